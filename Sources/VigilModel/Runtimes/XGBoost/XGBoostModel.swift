#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An XGBoost model file (JSON or UBJSON, XGBoost 1.x–3.x schema) read into the tree IR,
/// independent of the Python class that wrapped it.
package struct XGBoostModel: Sendable {
    package enum Format: String, Sendable {
        case ubj
        case json

        /// The format of `file`: by extension (`.ubj`, `.json`), else by its first bytes.
        package static func of(file: URL, bytes: [UInt8]) throws(ModelFileError) -> Format {
            switch file.pathExtension.lowercased() {
            case "ubj": return .ubj
            case "json": return .json
            case "xgb", "bin", "model", "deprecated":
                throw .unsupported("XGBoost's legacy binary format (\(file.lastPathComponent)); save with model_format=\"ubj\" or \"json\"")
            default: break
            }
            // JSON starts `{` then whitespace, `"` or `}`; UBJSON starts `{` then a length marker.
            let body = bytes.drop(while: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 })
            guard body.first == UInt8(ascii: "{") else {
                throw .unsupported("\(file.lastPathComponent) is neither XGBoost JSON nor UBJSON")
            }
            switch body.dropFirst().first {
            case UInt8(ascii: "i"), UInt8(ascii: "U"), UInt8(ascii: "I"), UInt8(ascii: "l"), UInt8(ascii: "L"),
                UInt8(ascii: "#"), UInt8(ascii: "$"):
                return .ubj
            default:
                return .json
            }
        }
    }

    /// `learner.feature_names`; nil when the model was trained without names (columns by position).
    package let featureNames: [String]?
    /// `learner.feature_types` (`float`, `int`, `i`, `q`, `c` for categorical), if stored.
    package let featureTypes: [String]?
    /// `learner_model_param.num_feature`.
    package let featureCount: Int
    package let objective: XGBoostObjective
    /// `num_class` (0 for everything but multiclass objectives).
    package let classCount: Int
    /// `base_score` as stored, one value per output group.
    package let baseScore: [Float]
    /// The base margin per output group: `base_score` through the objective's link.
    package let baseMargin: [Float]
    /// `gbtree` or `dart`.
    package let booster: String
    package let ensemble: TreeEnsemble<Float>
    /// `iteration_indptr`: the trees of boosting rounds `0 ..< k` are `0 ..< roundEnds[k]`.
    package let roundEnds: [Int]
    /// `learner.attributes.best_iteration` (set by early stopping), if any.
    package let bestIteration: Int?
    package let categories: XGBoostCategories

    /// Most features a model may have.
    package static let maxFeatures = 1 << 20

    package var groupCount: Int { ensemble.groupCount }
    package var isDart: Bool { booster == "dart" }

    /// Loads a model file, detecting its format.
    package init(contentsOf file: URL) throws(ModelFileError) {
        let bytes: [UInt8]
        do {
            bytes = try [UInt8](Data(contentsOf: file))
        } catch {
            throw .unreadable(path: file.path, reason: "\(error)")
        }
        try self.init(bytes: bytes, format: try Format.of(file: file, bytes: bytes))
    }

    package init(bytes: [UInt8], format: Format) throws(ModelFileError) {
        let document: ModelJSON
        switch format {
        case .ubj: document = try UBJSONReader().parse(bytes)
        case .json: document = try JSONModelReader().parse(bytes)
        }
        try self.init(document: document)
    }

    package init(document: ModelJSON) throws(ModelFileError) {
        let root = JSONField(document)
        let learner = try root("learner")

        let param = try learner("learner_model_param")
        featureCount = try param("num_feature").int()
        guard featureCount >= 0 else {
            throw .invalidValue(field: param.path + ".num_feature", reason: "\(featureCount) features")
        }
        // Every request allocates rows × num_feature floats; a (possibly hostile) claim of
        // millions of features would make each one huge. Dense DataFrame input never has them.
        guard featureCount <= Self.maxFeatures else {
            throw .unsupported("\(featureCount) features (at most \(Self.maxFeatures) as DataFrame columns)")
        }
        classCount = try param("num_class").int()
        let targets = try param.optional("num_target")?.int() ?? 1
        guard targets <= 1 else { throw .unsupported("multi-target models (num_target = \(targets))") }
        guard classCount >= 0 && classCount <= 1 << 16 else {
            throw .invalidValue(field: param.path + ".num_class", reason: "\(classCount) classes")
        }
        let groups = max(classCount, 1)

        objective = try XGBoostObjective(name: try learner("objective")("name").string())
        if (objective.link == .softprob || objective.link == .softmax) != (classCount >= 1) {
            throw .invalidValue(field: param.path + ".num_class", reason: "\(classCount) classes for \(objective.name)")
        }

        var base = try Self.parseBaseScore(try param("base_score"))
        if base.count == 1 && groups > 1 { base = Array(repeating: base[0], count: groups) }  // before 3.1
        guard base.count == groups else {
            throw .invalidValue(field: param.path + ".base_score", reason: "\(base.count) values for \(groups) outputs")
        }
        baseScore = base
        var margins: [Float] = []
        for b in base { margins.append(try objective.baseMargin(b)) }
        baseMargin = margins

        featureNames = try Self.strings(learner.optional("feature_names"))
        featureTypes = try Self.strings(learner.optional("feature_types"))
        if let names = featureNames, names.count != featureCount {
            throw .invalidValue(field: learner.path + ".feature_names", reason: "\(names.count) names for \(featureCount) features")
        }
        if let types = featureTypes, types.count != featureCount {
            throw .invalidValue(field: learner.path + ".feature_types", reason: "\(types.count) types for \(featureCount) features")
        }

        let attributes = try learner.optional("attributes")
        bestIteration = try attributes?.optional("best_iteration")?.int()

        let gradientBooster = try learner("gradient_booster")
        booster = try gradientBooster("name").string()
        let model: JSONField
        var weights: [Float]?
        switch booster {
        case "gbtree":
            model = try gradientBooster("model")
        case "dart":
            model = try gradientBooster("gbtree")("model")
            weights = try gradientBooster("weight_drop").floats()
        case "gblinear":
            throw .unsupported("the gblinear booster")
        default:
            throw .invalidValue(field: gradientBooster.path + ".name", reason: "unknown booster \(booster)")
        }

        let loaded = try Self.loadTrees(model, featureCount: featureCount, groups: groups, weights: weights)
        ensemble = loaded.ensemble
        roundEnds = loaded.roundEnds
        if let cats = try model.optional("cats") {
            categories = try XGBoostCategories(json: cats, featureCount: featureCount)
        } else {
            categories = .empty
        }
        // LayerToTree: the rounds asked for must exist.
        if let best = bestIteration, best < 0 || best + 1 > roundEnds.count - 1 {
            throw .invalidValue(
                field: "learner.attributes.best_iteration", reason: "\(best) for \(roundEnds.count - 1) boosting rounds")
        }
    }

    /// The trees that predict with `rounds` boosting rounds (all when nil).
    package func trees(rounds: Int?) -> Range<Int> {
        guard let rounds, rounds < roundEnds.count else { return 0..<ensemble.treeCount }
        return 0..<roundEnds[rounds]
    }

    /// `base_score`: a string holding one float or an array (`"[4.9875E-1]"`, XGBoost ≥ 3.1),
    /// `"5E-1"` before, or a bare number in some hand-made files.
    private static func parseBaseScore(_ field: JSONField) throws(ModelFileError) -> [Float] {
        if case .string(let text) = field.value {
            // ParamArray's reader: drop spaces, read "(...)" as "[...]", parse as JSON.
            var bytes = Array(text.utf8.filter { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D })
            if bytes.first == UInt8(ascii: "(") { bytes[0] = UInt8(ascii: "[") }
            if bytes.last == UInt8(ascii: ")") { bytes[bytes.count - 1] = UInt8(ascii: "]") }
            let inner: ModelJSON
            do {
                inner = try JSONModelReader().parse(bytes)
            } catch {
                throw .invalidValue(field: field.path, reason: "\(text) is not a number or a list of numbers")
            }
            return try floats(JSONField(inner, path: field.path))
        }
        return try floats(field)
    }

    private static func floats(_ field: JSONField) throws(ModelFileError) -> [Float] {
        switch field.value {
        case .int, .number, .string: return [try field.float()]
        default: return try field.floats()
        }
    }

    private static func strings(_ field: JSONField?) throws(ModelFileError) -> [String]? {
        guard let field else { return nil }
        if case .null = field.value { return nil }
        var out: [String] = []
        for item in try field.array() { out.append(try item.string()) }
        return out.isEmpty ? nil : out
    }
}
