/// `cast_df_types_according_to_schema` (`mlflow/utils/proto_json_utils.py`): the casts MLflow
/// applies to a parsed `dataframe_split` / `dataframe_records` frame before the model sees it.
enum TypeCasting {
    static func cast(_ frame: inout PandasFrame, schema: Schema) throws(ScoringError) {
        if case .columns(let specs) = schema, specs.first?.name != nil {
            // The common case: named columns, looked up once.
            let names = specs.map { $0.name! }
            let (positions, duplicates) = frame.firstPositions(of: names)
            for (k, spec) in specs.enumerated() where positions[k] >= 0 {
                let target = CastTarget.column(spec.type)
                if duplicates {
                    for p in frame.labels.indices where frame.labels[p] == .string(names[k]) {
                        try cast(&frame, p, target, label: frame.labels[p], required: spec.required)
                    }
                } else {
                    try cast(&frame, positions[k], target, label: frame.labels[positions[k]], required: spec.required)
                }
            }
            return
        }
        let labels = frame.labels
        var targets: [(label: JSONValue, spec: CastTarget, required: Bool)] = []
        switch schema {
        case .tensors(let specs) where specs.count == 1:
            var seen: [JSONValue] = []
            for l in labels where !seen.contains(l) { seen.append(l) }
            targets = seen.map { ($0, .tensor(specs[0].dtype), true) }
        case .columns(let specs):
            let n = min(specs.count, labels.count)
            targets = (0..<n).map { (labels[$0], .column(specs[$0].type), specs[$0].required) }
        case .tensors(let specs):
            let n = min(specs.count, labels.count)
            targets = (0..<n).map { (labels[$0], .tensor(specs[$0].dtype), true) }
        }
        for (label, spec, required) in targets {
            for p in labels.indices where labels[p] == label {
                try cast(&frame, p, spec, label: label, required: required)
            }
        }
    }

    private static func cast(_ frame: inout PandasFrame, _ p: Int, _ spec: CastTarget, label: JSONValue, required: Bool) throws(ScoringError) {
        do {
            if let cast = try spec.apply(to: frame.columns[p], required: required) {
                frame.columns[p] = cast
            }
        } catch {
            var failure = ScoringError.invalidInput(
                "Data is not compatible with model signature. Failed to convert column \(PandasRepr.label(label)) to type '\(spec.pythonDescription)'. Error: '\(error.pythonRepr)'")
            if case .string(let name) = label { failure.column = name }
            throw failure
        }
    }

    enum CastTarget {
        case column(ColumnType)
        case tensor(String)

        /// `str(col_type)` as the error message prints it.
        var pythonDescription: String {
            switch self {
            case .column(.scalar(let t)): t.pandasTypeDescription
            case .column(let t): t.pythonStr
            case .tensor(let dtype): dtype
            }
        }

        /// The cast column, or nil when MLflow leaves it alone.
        func apply(to column: PyArray, required: Bool) throws(PandasError) -> PyArray? {
            switch self {
            case .column(.scalar(.string)):
                if case .str = column { return nil }
                return try column.cast(to: .string)
            case .column(.scalar(.double)):
                if case .float64 = column { return nil }
                return try column.cast(to: .double)
            case .column(.scalar(.long)):
                if case .int64 = column { return nil }
                return try column.cast(to: .long)
            case .column(.scalar(let t)):
                return try column.cast(to: t)
            case .column(.any):
                return nil
            case .column(let t):
                var out: [JSONValue] = []
                for i in 0..<column.count {
                    do {
                        out.append(try JSONTypeEnforcement.enforce(column.element(i), t, required: required))
                    } catch {
                        throw PandasError("MlflowException", error.message)
                    }
                }
                return .object(out)
            case .tensor(let dtype):
                if case .object(let cells) = column, cells.first?.arrayValue != nil { return nil }
                guard let t = DataType(numpyName: dtype) else { return nil }
                return try column.cast(to: t)
            }
        }
    }
}

extension DataType {
    /// The MLflow type for a numpy dtype name (`float64` → double).
    init?(numpyName: String) {
        switch numpyName {
        case "float64": self = .double
        case "float32": self = .float
        case "int64": self = .long
        case "int32": self = .integer
        case "bool": self = .boolean
        case "datetime64[ns]": self = .datetime
        default: return nil
        }
    }
}
