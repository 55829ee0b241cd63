import Foundation
import VigilModel

/// The values of one feature (or of the predictions) in the two shapes drift understands.
package enum FeatureValues: Sendable {
    /// NaN is missing.
    case numeric([Double])
    /// nil is missing.
    case categorical([String?])

    /// A frame column as drift reads it: numbers are numeric, strings and booleans categorical;
    /// bytes, datetimes and Python objects are not profiled (nil).
    package init?(_ column: Column) {
        switch column {
        case .double(let v): self = .numeric(v)
        case .int64(let v): self = .numeric(v.map(Double.init))
        case .bool(let v): self = .categorical(v.map { $0 ? "True" : "False" })
        case .string(let v): self = .categorical(v)
        case .bytes, .datetime, .object: return nil
        }
    }

    /// The first output column: class labels are categorical, scores and probabilities numeric.
    package init(_ predictions: Predictions) {
        switch predictions {
        case .doubles(let v): self = .numeric(v)
        case .floats(let v): self = .numeric(v.map(Double.init))
        case .int64s(let v): self = .categorical(v.map { String($0) })
        case .strings(let v): self = .categorical(v)
        case .floatMatrix(let c, let v): self = .numeric(c == 0 ? [] : stride(from: 0, to: v.count, by: c).map { Double(v[$0]) })
        case .doubleMatrix(let c, let v): self = .numeric(c == 0 ? [] : stride(from: 0, to: v.count, by: c).map { v[$0] })
        }
    }
}

/// Builds a `DriftProfile` from training data.
package enum DriftProfileBuilder {
    /// Categories with a bin of their own; rarer ones share `other`.
    package static let maxCategories = 20
    /// Rarer categories listed in the profile so serving can tell them from unseen ones.
    package static let maxListedOtherCategories = 1000
    /// The reference quantiles that become numeric bin edges.
    package static let deciles: [Double] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]

    /// Profiles `frame`'s columns (in order) and, when given, the predictions.
    package static func build(frame: Frame, predictions: Predictions?, modelUUID: String? = nil, runID: String? = nil) -> DriftProfile {
        var features: [FeatureProfile] = []
        for (name, column) in zip(frame.names, frame.columns) {
            guard let values = FeatureValues(column) else { continue }
            features.append(feature(name: name, values: values))
        }
        let prediction = predictions.map { feature(name: "prediction", values: FeatureValues($0)) }
        return DriftProfile(rows: frame.rowCount, modelUUID: modelUUID, runID: runID, features: features, prediction: prediction)
    }

    /// Loads the model in `modelDirectory` natively, reads `dataPath` (CSV, JSON Lines of records,
    /// or a JSON request body) with the serving decoder so columns are cast as in serving, scores it
    /// and profiles inputs and predictions. Models without a native runtime get no prediction profile.
    package static func build(modelDirectory: String, dataPath: String) throws -> DriftProfile {
        let manifest = try ModelManifest.load(directory: modelDirectory)
        let native = try NativeRuntime.predictor(for: manifest, directory: modelDirectory)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dataPath))
        let lower = dataPath.lowercased()
        let body: Data
        let contentType: String
        if lower.hasSuffix(".csv") {
            (body, contentType) = (bytes, "text/csv")
        } else if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") {
            let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
                .filter { !$0.allSatisfy(\.isWhitespace) }
            (body, contentType) = (Data(("{\"dataframe_records\": [" + lines.joined(separator: ",") + "]}").utf8), "application/json")
        } else {
            (body, contentType) = (bytes, "application/json")
        }
        let request = try body.withUnsafeBytes { buffer throws(ScoringError) in
            try ScoringPipeline.decode(
                body: buffer, contentType: contentType, signature: manifest.signature,
                signatureFromTypeHint: manifest.isSignatureFromTypeHint)
        }
        var predictions: Predictions?
        if let native {
            predictions = try ScoringPipeline(manifest: manifest, predictor: native.predictor).predict(request)
        }
        return build(frame: request.frame, predictions: predictions, modelUUID: manifest.modelUUID, runID: manifest.runID)
    }

    /// One feature's profile.
    package static func feature(name: String, values: FeatureValues) -> FeatureProfile {
        switch values {
        case .numeric(let all): numeric(name: name, all: all)
        case .categorical(let all): categorical(name: name, all: all)
        }
    }

    static func numeric(name: String, all: [Double]) -> FeatureProfile {
        let present = all.filter { !$0.isNaN }.sorted()
        let missingShare = all.isEmpty ? 0 : Double(all.count - present.count) / Double(all.count)
        guard let lo = present.first, let hi = present.last else {
            return FeatureProfile(
                name: name, kind: .numeric, count: all.count, missingShare: missingShare, edges: [], centres: [0],
                shares: [0])
        }
        var edges: [Double] = []
        for q in deciles {
            let e = quantile(sortedValues: present, q)
            if edges.last != e { edges.append(e) }
        }
        var counts = [Int](repeating: 0, count: edges.count + 1)
        for x in present { counts[Int(NumericBins.bin(x, edges: edges))] += 1 }
        var centres: [Double] = []
        for i in 0...edges.count {
            let left = i == 0 ? lo : edges[i - 1]
            let right = i == edges.count ? hi : edges[i]
            centres.append((left + right) / 2)
        }
        let mean = present.reduce(0, +) / Double(present.count)
        let variance = present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(present.count)
        return FeatureProfile(
            name: name, kind: .numeric, count: all.count, missingShare: missingShare, edges: edges, centres: centres,
            min: lo, max: hi, mean: mean, std: variance.squareRoot(),
            shares: counts.map { Double($0) / Double(present.count) })
    }

    static func categorical(name: String, all: [String?]) -> FeatureProfile {
        var counts: [String: Int] = [:]
        var present = 0
        for case let value? in all {
            counts[value, default: 0] += 1
            present += 1
        }
        let ranked = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let own = ranked.prefix(maxCategories)
        let rest = ranked.dropFirst(maxCategories)
        let otherCount = rest.reduce(0) { $0 + $1.value }
        let denominator = Double(Swift.max(present, 1))
        return FeatureProfile(
            name: name, kind: .categorical, count: all.count,
            missingShare: all.isEmpty ? 0 : Double(all.count - present) / Double(all.count),
            categories: own.map(\.key),
            otherCategories: rest.count <= maxListedOtherCategories ? rest.map(\.key).sorted() : nil,
            shares: own.map { Double($0.value) / denominator } + [Double(otherCount) / denominator])
    }

    /// numpy's `quantile(values, q)` with the default linear method, operation for operation.
    package static func quantile(sortedValues x: [Double], _ q: Double) -> Double {
        let virtual = Double(x.count - 1) * q
        let below = virtual.rounded(.down)
        let lo = Swift.min(Swift.max(Int(below), 0), x.count - 1)
        let hi = Swift.min(lo + 1, x.count - 1)
        let t = virtual - below
        let a = x[lo], b = x[hi]
        let diff = b - a
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
    }
}

enum NumericBins {
    /// numpy's `searchsorted(edges, x, side="right")`: how many edges are ≤ x.
    @inline(__always)
    static func bin(_ x: Double, edges: [Double]) -> UInt8 {
        var lo = 0, hi = edges.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if edges[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return UInt8(truncatingIfNeeded: lo)
    }
}
