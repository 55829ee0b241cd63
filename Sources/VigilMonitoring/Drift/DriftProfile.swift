import Foundation

/// The reference distribution of a model's inputs and predictions, frozen at training time and
/// saved as `vigil_profile.json` beside the model (or given with `--profile FILE`).
///
/// Every feature gets fixed bins so the server only counts: numeric features the deciles of the
/// reference (open-ended first and last bins, ties collapsed, so at most 10 bins), categorical
/// features one bin per frequent category plus a final `other` bin. Missing values are not a bin:
/// they are counted apart (`missing_share`, `mlflow_feature_missing_total`).
package struct DriftProfile: Codable, Sendable, Equatable {
    package static let fileName = "vigil_profile.json"
    package static let currentFormat = 1

    package var formatVersion: Int
    /// Rows the profile was built from.
    package var rows: Int
    /// MLflow's `model_uuid` / `run_id` of the model the predictions came from, when known.
    package var modelUUID: String?
    package var runID: String?
    /// Features in signature order.
    package var features: [FeatureProfile]
    /// The model's first output column (class label, score or first probability column).
    package var prediction: FeatureProfile?

    package init(rows: Int, modelUUID: String? = nil, runID: String? = nil, features: [FeatureProfile], prediction: FeatureProfile?) {
        self.formatVersion = Self.currentFormat
        self.rows = rows
        self.modelUUID = modelUUID
        self.runID = runID
        self.features = features
        self.prediction = prediction
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", rows, modelUUID = "model_uuid", runID = "run_id", features, prediction
    }

    /// Reads a profile file.
    package static func load(path: String) throws -> DriftProfile {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let profile = try JSONDecoder().decode(DriftProfile.self, from: data)
        try profile.validate()
        return profile
    }

    /// `vigil_profile.json` in a model directory, or nil when the directory has none.
    package static func load(modelDirectory: String) throws -> DriftProfile? {
        let path = URL(fileURLWithPath: modelDirectory).appendingPathComponent(fileName).path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try load(path: path)
    }

    /// The profile as pretty, key-sorted JSON.
    package func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Checks what the monitor relies on: bin counts match shares, edges ascend, at most 255 bins.
    package func validate() throws {
        guard formatVersion == Self.currentFormat else {
            throw DriftProfileError("unsupported profile format_version \(formatVersion) (this Vigil reads \(Self.currentFormat))")
        }
        for feature in features + (prediction.map { [$0] } ?? []) { try feature.validate() }
    }
}

/// One feature's (or the prediction's) reference distribution.
package struct FeatureProfile: Codable, Sendable, Equatable {
    package enum Kind: String, Codable, Sendable { case numeric, categorical }

    package var name: String
    package var kind: Kind
    /// Rows seen, missing included.
    package var count: Int
    /// Share of `count` that was missing (NaN / null).
    package var missingShare: Double
    /// Numeric: the distinct reference deciles. Bin 0 is (-inf, edges[0]), bin i is
    /// [edges[i-1], edges[i]), the last bin [edges.last, +inf) — numpy's `searchsorted(side="right")`.
    package var edges: [Double]?
    /// Numeric: one representative value per bin for the Wasserstein distance: the midpoint of
    /// its edges, with the reference min / max closing the open-ended bins.
    package var centres: [Double]?
    package var min: Double?
    package var max: Double?
    package var mean: Double?
    package var std: Double?
    /// Categorical: the categories that have their own bin, most frequent first; the last bin is `other`.
    package var categories: [String]?
    /// Categorical: reference categories folded into `other` (so serving can tell them from unseen
    /// ones); nil when there were too many to list.
    package var otherCategories: [String]?
    /// Reference share of the non-missing values in each bin (sums to 1 unless every value was missing).
    package var shares: [Double]

    package var binCount: Int { shares.count }

    /// Memberwise init with the optional fields defaulted.
    package init(
        name: String, kind: Kind, count: Int, missingShare: Double, edges: [Double]? = nil, centres: [Double]? = nil,
        min: Double? = nil, max: Double? = nil, mean: Double? = nil, std: Double? = nil, categories: [String]? = nil,
        otherCategories: [String]? = nil, shares: [Double]
    ) {
        self.name = name
        self.kind = kind
        self.count = count
        self.missingShare = missingShare
        self.edges = edges
        self.centres = centres
        self.min = min
        self.max = max
        self.mean = mean
        self.std = std
        self.categories = categories
        self.otherCategories = otherCategories
        self.shares = shares
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, count, missingShare = "missing_share", edges, centres, min, max, mean, std, categories,
            otherCategories = "other_categories", shares
    }

    func validate() throws {
        guard binCount >= 1, binCount <= 255 else { throw DriftProfileError("feature '\(name)': \(binCount) bins (1...255 allowed)") }
        switch kind {
        case .numeric:
            guard let edges, let centres, edges.count + 1 == binCount, centres.count == binCount else {
                throw DriftProfileError("feature '\(name)': numeric needs edges (bins - 1) and centres (bins)")
            }
            guard zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw DriftProfileError("feature '\(name)': edges must ascend strictly")
            }
        case .categorical:
            guard let categories, categories.count + 1 == binCount else {
                throw DriftProfileError("feature '\(name)': categorical needs one share per category plus `other`")
            }
        }
    }
}

package struct DriftProfileError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
