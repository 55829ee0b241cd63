/// A fitted `ColumnTransformer`: each of `transformers_` gets its columns (by name or position),
/// and the outputs are stacked side by side in order. `drop` entries are skipped; `passthrough`
/// entries pass their columns unchanged. The output is sparse when `sparse_output_` is set.
struct SklearnColumnTransformer: SklearnTransformer {
    enum Selection: Sendable {
        case names([String])
        case positions([Int])
    }

    enum Action: Sendable {
        case passthrough
        case transform(any SklearnTransformer)
    }

    let parts: [(selection: Selection, action: Action)]
    let isSparse: Bool
    let featureCount: Int

    init(_ o: SkopsObject) throws(ModelFileError) {
        var parts: [(Selection, Action)] = []
        for (i, item) in try o.list("transformers_").enumerated() {
            guard case .list(let entry) = item, entry.count == 3 else {
                throw .wrongType(field: "ColumnTransformer.transformers_[\(i)]", expected: "a (name, transformer, columns) tuple")
            }
            let selection: Selection
            switch entry[2] {
            case .list(let items):
                if items.isEmpty {
                    selection = .positions([])
                } else if case .string = items[0] {
                    var names: [String] = []
                    for case .string(let s) in items { names.append(s) }
                    guard names.count == items.count else { throw .unsupported("ColumnTransformer mixed column selectors") }
                    selection = .names(names)
                } else {
                    var positions: [Int] = []
                    for case .int(let p) in items { positions.append(Int(p)) }
                    guard positions.count == items.count else { throw .unsupported("ColumnTransformer column selector of this form") }
                    selection = .positions(positions)
                }
            case .array(let a):
                switch a.values {
                case .string(let v): selection = .names(v)
                case .int64(let v): selection = .positions(v.map { Int($0) })
                case .bool(let mask): selection = .positions(mask.indices.filter { mask[$0] })
                default: throw .unsupported("ColumnTransformer column selector of this form")
                }
            default:
                // A single name or index gives the transformer 1-D data: not supported natively.
                throw .unsupported("ColumnTransformer column selector that is not a list")
            }
            switch entry[1] {
            case .string("drop"): continue
            case .string("passthrough"): parts.append((selection, .passthrough))
            case .object:
                parts.append((selection, .transform(try SklearnSteps.transformer(try SkopsObject(entry[1])))))
            default:
                throw .unsupported("ColumnTransformer transformer of this form")
            }
        }
        self.parts = parts
        isSparse = try o.bool("sparse_output_", default: false)
        featureCount = try o.int("n_features_in_")
    }

    func transform(_ table: SklearnTable) throws(ScoringError) -> SklearnTable {
        try checkWidth(table, featureCount, "ColumnTransformer")
        var columns: [SklearnTable.Column] = []
        for (selection, action) in parts {
            let picked: [Int]
            switch selection {
            case .positions(let p):
                guard p.allSatisfy({ $0 >= 0 && $0 < table.columns.count }) else {
                    throw .modelError("IndexError: a ColumnTransformer column index is out of range")
                }
                picked = p
            case .names(let names):
                guard let have = table.names else {
                    throw .modelError("ValueError: Specifying the columns using strings is only supported for dataframes.")
                }
                var p: [Int] = []
                for name in names {
                    guard let i = have.firstIndex(of: name) else { throw .modelError("ValueError: A given column is not a column of the dataframe") }
                    p.append(i)
                }
                picked = p
            }
            let part = SklearnTable(
                columns: picked.map { table.columns[$0] }, names: table.names.map { n in picked.map { n[$0] } },
                rowCount: table.rowCount)
            switch action {
            case .passthrough: columns += part.columns
            case .transform(let t): columns += try t.transform(part).columns
            }
        }
        return SklearnTable(columns: columns, names: nil, rowCount: table.rowCount, isSparse: isSparse)
    }
}

/// A `Pipeline`'s transforming steps, in order (the final estimator is separate).
struct SklearnChain: SklearnTransformer {
    let steps: [any SklearnTransformer]

    func transform(_ table: SklearnTable) throws(ScoringError) -> SklearnTable {
        var t = table
        for step in steps { t = try step.transform(t) }
        return t
    }
}

/// Builds transformers from their skops state.
enum SklearnSteps {
    static let transformers: Set<String> = [
        "sklearn.preprocessing._data.StandardScaler", "sklearn.preprocessing._data.MinMaxScaler",
        "sklearn.preprocessing._data.RobustScaler", "sklearn.impute._base.SimpleImputer",
        "sklearn.preprocessing._encoders.OneHotEncoder", "sklearn.preprocessing._encoders.OrdinalEncoder",
        "sklearn.preprocessing._function_transformer.FunctionTransformer",
        "sklearn.compose._column_transformer.ColumnTransformer", "sklearn.pipeline.Pipeline",
    ]

    static func transformer(_ o: SkopsObject) throws(ModelFileError) -> any SklearnTransformer {
        switch o.type {
        case "sklearn.preprocessing._data.StandardScaler", "sklearn.preprocessing._data.MinMaxScaler",
            "sklearn.preprocessing._data.RobustScaler":
            return try SklearnScaler(o)
        case "sklearn.impute._base.SimpleImputer": return try SklearnImputer(o)
        case "sklearn.preprocessing._encoders.OneHotEncoder", "sklearn.preprocessing._encoders.OrdinalEncoder":
            return try SklearnEncoder(o)
        case "sklearn.preprocessing._function_transformer.FunctionTransformer":
            // Only the identity: a function would have been refused when the archive was read.
            guard !o.has("func") else { throw .unsupported("FunctionTransformer with a function") }
            return SklearnIdentity()
        case "sklearn.compose._column_transformer.ColumnTransformer": return try SklearnColumnTransformer(o)
        case "sklearn.pipeline.Pipeline":
            let (steps, last) = try pipeline(o)
            guard case .object = last else {
                if case .none = last { return SklearnChain(steps: steps) }
                if case .string("passthrough") = last { return SklearnChain(steps: steps) }
                throw .unsupported("a Pipeline step of this form")
            }
            return SklearnChain(steps: steps + [try transformer(try SkopsObject(last))])
        default:
            throw .unsupported("scikit-learn transformer \(o.type)")
        }
    }

    /// A Pipeline's transformers (all but the last step) and its last step's value.
    static func pipeline(_ o: SkopsObject) throws(ModelFileError) -> ([any SklearnTransformer], SkopsValue) {
        let steps = try o.list("steps")
        guard !steps.isEmpty else { throw .invalidValue(field: "Pipeline.steps", reason: "empty") }
        var out: [any SklearnTransformer] = []
        for (i, step) in steps.enumerated() {
            guard case .list(let pair) = step, pair.count == 2 else {
                throw .wrongType(field: "Pipeline.steps[\(i)]", expected: "a (name, estimator) tuple")
            }
            if i == steps.count - 1 { return (out, pair[1]) }
            switch pair[1] {
            case .none, .string("passthrough"): continue
            default: out.append(try transformer(try SkopsObject(pair[1])))
            }
        }
        return (out, .none)
    }
}
