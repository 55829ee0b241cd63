/// A fitted scikit-learn transformer: rows in, rows out, with sklearn's float operations.
protocol SklearnTransformer: Sendable {
    func transform(_ table: SklearnTable) throws(ScoringError) -> SklearnTable
}

/// `StandardScaler`, `RobustScaler` and `MinMaxScaler`: elementwise, in sklearn's order
/// (`X -= mean_; X /= scale_`, `X -= center_; X /= scale_`, `X *= scale_; X += min_`). NaN passes.
struct SklearnScaler: SklearnTransformer {
    enum Step: Sendable {
        case subtract([Double])
        case divide([Double])
        case multiply([Double])
        case add([Double])
        case clip(Double, Double)
    }

    let steps: [Step]
    let featureCount: Int

    init(_ o: SkopsObject) throws(ModelFileError) {
        var steps: [Step] = []
        func vector(_ key: String) throws(ModelFileError) -> [Double] {
            let (shape, v) = try o.doubles(key)
            guard shape.count == 1 else { throw .invalidValue(field: "\(o.name).\(key)", reason: "not a vector") }
            return v
        }
        switch o.name {
        case "StandardScaler":
            if try o.bool("with_mean"), o.has("mean_") { steps.append(.subtract(try vector("mean_"))) }
            if try o.bool("with_std"), o.has("scale_") { steps.append(.divide(try vector("scale_"))) }
        case "RobustScaler":
            if try o.bool("with_centering"), o.has("center_") { steps.append(.subtract(try vector("center_"))) }
            if try o.bool("with_scaling"), o.has("scale_") { steps.append(.divide(try vector("scale_"))) }
        case "MinMaxScaler":
            steps.append(.multiply(try vector("scale_")))
            steps.append(.add(try vector("min_")))
            if try o.bool("clip", default: false) {
                guard case .list(let range) = try o.raw("feature_range"), range.count == 2 else {
                    throw .wrongType(field: "MinMaxScaler.feature_range", expected: "a pair")
                }
                steps.append(
                    .clip(try SkopsObject.double(range[0], field: "feature_range"), try SkopsObject.double(range[1], field: "feature_range")))
            }
        default:
            throw .unsupported(o.type)
        }
        featureCount = try o.int("n_features_in_")
        for case .subtract(let v) in steps where v.count != featureCount { throw .invalidValue(field: o.name, reason: "wrong width") }
        for case .divide(let v) in steps where v.count != featureCount { throw .invalidValue(field: o.name, reason: "wrong width") }
        for case .multiply(let v) in steps where v.count != featureCount { throw .invalidValue(field: o.name, reason: "wrong width") }
        for case .add(let v) in steps where v.count != featureCount { throw .invalidValue(field: o.name, reason: "wrong width") }
        self.steps = steps
    }

    func transform(_ table: SklearnTable) throws(ScoringError) -> SklearnTable {
        try checkWidth(table, featureCount, "this scaler")
        var columns: [SklearnTable.Column] = []
        for c in 0..<featureCount {
            var x = try table.numbers(c)
            for step in steps {
                switch step {
                case .subtract(let v): for i in x.indices { x[i] -= v[c] }
                case .divide(let v): for i in x.indices { x[i] /= v[c] }
                case .multiply(let v): for i in x.indices { x[i] *= v[c] }
                case .add(let v): for i in x.indices { x[i] += v[c] }
                case .clip(let lo, let hi):
                    // np.clip = minimum(maximum(x, lo), hi); NaN stays NaN.
                    for i in x.indices where !x[i].isNaN { x[i] = Swift.min(Swift.max(x[i], lo), hi) }
                }
            }
            columns.append(.numbers(x))
        }
        return SklearnTable(columns: columns, names: nil, rowCount: table.rowCount)
    }
}

/// `SimpleImputer` (no `add_indicator`): missing values (NaN, None, or the configured value)
/// become `statistics_`; features whose statistic is NaN (empty at fit) are dropped.
struct SklearnImputer: SklearnTransformer {
    enum Fill: Sendable {
        case number(Double)
        case string(String)
    }

    enum Missing: Sendable {
        case nan
        case value(Double)
        case string(String)
    }

    let fills: [Fill?]
    let missing: Missing

    init(_ o: SkopsObject) throws(ModelFileError) {
        guard try !o.bool("add_indicator", default: false) else { throw .unsupported("SimpleImputer(add_indicator=True)") }
        switch try o.raw("missing_values") {
        case .double(let d) where d.isNaN: missing = .nan
        case .none: missing = .nan
        case .double(let d): missing = .value(d)
        case .int(let i): missing = .value(Double(i))
        case .string(let s): missing = .string(s)
        default: throw .unsupported("SimpleImputer missing_values")
        }
        let stats = try o.array("statistics_")
        let keepEmpty = try o.bool("keep_empty_features", default: false)
        switch stats.values {
        case .float64(let v): fills = v.map { $0.isNaN && !keepEmpty ? nil : .number($0) }
        case .float32(let v): fills = v.map { $0.isNaN && !keepEmpty ? nil : .number(Double($0)) }
        case .int64(let v): fills = v.map { .number(Double($0)) }
        case .string(let v): fills = v.map { .string($0) }
        case .objects(let v): fills = v.map { $0.map(Fill.string) }
        default: throw .unsupported("SimpleImputer statistics of this type")
        }
    }

    func transform(_ table: SklearnTable) throws(ScoringError) -> SklearnTable {
        try checkWidth(table, fills.count, "SimpleImputer")
        var columns: [SklearnTable.Column] = []
        for (c, fill) in fills.enumerated() {
            guard let fill else { continue }
            switch (table.columns[c], fill) {
            case (.strings(let v), .string(let s)):
                columns.append(.strings(v.map { value in isMissing(value) ? s : value }))
            case (.strings(let v), .number(let d)):
                // An object column imputed with a number stays object; numbers parse later.
                columns.append(.strings(v.map { value in isMissing(value) ? String(d) : value }))
            case (.numbers(let v), .number(let d)):
                columns.append(.numbers(v.map { isMissing($0) ? d : $0 }))
            case (.numbers(let v), .string(let s)):
                columns.append(.strings(v.map { isMissing($0) ? s : "\($0)" }))
            }
        }
        return SklearnTable(columns: columns, names: nil, rowCount: table.rowCount)
    }

    private func isMissing(_ x: Double) -> Bool {
        switch missing {
        case .nan: x.isNaN
        case .value(let v): x == v
        case .string: false
        }
    }

    private func isMissing(_ s: String?) -> Bool {
        switch missing {
        case .nan: s == nil
        case .value: s == nil
        case .string(let m): s == m
        }
    }
}

/// `OneHotEncoder` and `OrdinalEncoder` (no infrequent categories): each value is matched
/// exactly against `categories_[j]`; None and NaN match a missing category if one was fitted.
struct SklearnEncoder: SklearnTransformer {
    enum Category: Hashable, Sendable {
        case number(Double)
        case string(String)
        case missing
    }

    enum Kind: Sendable {
        /// One column per kept category; unknown values are all zeros, or an error.
        case oneHot(drop: [Int?], unknownIsError: Bool, sparse: Bool)
        /// The category index; unknown values are `unknownValue` (or an error), missing ones
        /// `encodedMissingValue`.
        case ordinal(unknownValue: Double?, encodedMissingValue: Double)
    }

    let categories: [[Category]]
    let index: [[Category: Int]]
    let kind: Kind

    init(_ o: SkopsObject) throws(ModelFileError) {
        if o.has("_infrequent_enabled"), try o.bool("_infrequent_enabled") {
            throw .unsupported("\(o.name) with infrequent categories")
        }
        var categories: [[Category]] = []
        for (j, item) in try o.list("categories_").enumerated() {
            guard case .array(let a) = item, a.shape.count == 1 else {
                throw .wrongType(field: "\(o.name).categories_[\(j)]", expected: "an array")
            }
            switch a.values {
            case .float64(let v): categories.append(v.map { $0.isNaN ? .missing : .number($0) })
            case .float32(let v): categories.append(v.map { $0.isNaN ? .missing : .number(Double($0)) })
            case .int64(let v): categories.append(v.map { .number(Double($0)) })
            case .bool(let v): categories.append(v.map { .number($0 ? 1 : 0) })
            case .string(let v): categories.append(v.map { .string($0) })
            case .objects(let v): categories.append(v.map { $0.map(Category.string) ?? .missing })
            case .records: throw .unsupported("\(o.name) categories of this type")
            }
        }
        self.categories = categories
        index = categories.map { list in
            var map: [Category: Int] = [:]
            for (i, c) in list.enumerated() where map[c] == nil { map[c] = i }
            return map
        }
        let unknown = try o.string("handle_unknown")
        if o.name == "OneHotEncoder" {
            var drop = [Int?](repeating: nil, count: categories.count)
            if o.has("drop_idx_") {
                let raw = try o.array("drop_idx_")
                switch raw.values {
                case .int64(let v) where v.count == categories.count: drop = v.map { Int($0) }
                case .objects(let v) where v.count == categories.count && v.allSatisfy({ $0 == nil }): break
                default: throw .unsupported("OneHotEncoder drop_idx_ of this form")
                }
            }
            guard ["error", "ignore", "infrequent_if_exist", "warn"].contains(unknown) else {
                throw .unsupported("OneHotEncoder(handle_unknown=\(unknown))")
            }
            kind = .oneHot(drop: drop, unknownIsError: unknown == "error", sparse: try o.bool("sparse_output", default: true))
        } else {
            let unknownValue: Double?
            switch unknown {
            case "error": unknownValue = nil
            case "use_encoded_value":
                if case .none = try o.raw("unknown_value") { unknownValue = .nan } else { unknownValue = try o.double("unknown_value") }
            default: throw .unsupported("OrdinalEncoder(handle_unknown=\(unknown))")
            }
            let missingValue: Double
            if case .none? = o.value["encoded_missing_value"] { missingValue = .nan } else { missingValue = try o.double("encoded_missing_value") }
            kind = .ordinal(unknownValue: unknownValue, encodedMissingValue: missingValue)
        }
    }

    func transform(_ table: SklearnTable) throws(ScoringError) -> SklearnTable {
        try checkWidth(table, categories.count, "this encoder")
        var columns: [SklearnTable.Column] = []
        var sparseOutput = false
        for j in categories.indices {
            let codes = try codes(table, j)
            switch kind {
            case .oneHot(let drop, let unknownIsError, let sparse):
                sparseOutput = sparse
                if unknownIsError, let r = codes.firstIndex(of: -1) {
                    throw .modelError("ValueError: Found unknown categories [\(describe(table, j, r))] in column \(j) during transform")
                }
                for k in categories[j].indices where k != drop[j] {
                    columns.append(.numbers(codes.map { $0 == k ? 1 : 0 }))
                }
            case .ordinal(let unknownValue, let missingValue):
                var out = [Double](repeating: 0, count: codes.count)
                for (r, code) in codes.enumerated() {
                    if code < 0 {
                        guard let unknownValue else {
                            throw .modelError("ValueError: Found unknown categories [\(describe(table, j, r))] in column \(j) during transform")
                        }
                        out[r] = unknownValue
                    } else {
                        out[r] = categories[j][code] == .missing ? missingValue : Double(code)
                    }
                }
                columns.append(.numbers(out))
            }
        }
        return SklearnTable(columns: columns, names: nil, rowCount: table.rowCount, isSparse: sparseOutput)
    }

    /// The category index of each value of column `j`, -1 for unknown.
    private func codes(_ table: SklearnTable, _ j: Int) throws(ScoringError) -> [Int] {
        let map = index[j]
        switch table.columns[j] {
        case .numbers(let v):
            return v.map { x in map[x.isNaN ? .missing : .number(x == 0 ? 0 : x)] ?? -1 }
        case .strings(let v):
            return v.map { s in map[s.map(Category.string) ?? .missing] ?? -1 }
        }
    }

    private func describe(_ table: SklearnTable, _ j: Int, _ r: Int) -> String {
        switch table.columns[j] {
        case .numbers(let v): "\(v[r])"
        case .strings(let v): v[r].map { "'\($0)'" } ?? "None"
        }
    }
}

/// `FunctionTransformer()` without a function: the identity.
struct SklearnIdentity: SklearnTransformer {
    func transform(_ table: SklearnTable) throws(ScoringError) -> SklearnTable { table }
}

func checkWidth(_ table: SklearnTable, _ width: Int, _ what: String) throws(ScoringError) {
    guard table.columns.count == width else {
        throw .modelError("ValueError: X has \(table.columns.count) features, but \(what) is expecting \(width) features as input.")
    }
}
