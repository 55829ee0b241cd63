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
            throw ScoringError.invalidInput(
                "Data is not compatible with model signature. Failed to convert column \(PandasRepr.label(label)) to type '\(spec.pythonDescription)'. Error: '\(error.pythonRepr)'")
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

/// A failure inside MLflow's schema code (`MlflowException(message)`).
struct EnforcementFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// `_enforce_type` and friends (`mlflow/models/utils.py`) for the JSON-shaped column types.
enum JSONTypeEnforcement {
    static func enforce(_ data: JSONValue, _ type: ColumnType, required: Bool) throws(EnforcementFailure) -> JSONValue {
        switch type {
        case .scalar(let t): return try datatype(data, t, required: required)
        case .array(let items): return try array(data, items, required: required)
        case .sparkMLVector: return try array(data, .scalar(.double), required: required)
        case .object(let properties): return try object(data, properties, required: required)
        case .map(let values): return try map(data, values, required: required)
        case .any: return data
        }
    }

    /// `_enforce_datatype`.
    static func datatype(_ data: JSONValue, _ t: DataType, required: Bool) throws(EnforcementFailure) -> JSONValue {
        if !required && data.isMissing { return .null }
        guard data.isScalar else { throw EnforcementFailure("Expected data to be scalar, got \(data.pythonTypeName)") }
        do {
            let enforced = try SchemaEnforcer.enforceDatatype(name: "", PyArray.infer([data]), t)
            return enforced.element(0)
        } catch {
            throw EnforcementFailure("Failed to enforce schema of data `\(PythonRepr.str(data))` with dtype `\(t.rawValue)`")
        }
    }

    /// `_enforce_array`.
    static func array(_ data: JSONValue, _ items: ColumnType, required: Bool) throws(EnforcementFailure) -> JSONValue {
        if !required || items == .any {
            if data.isNull { return data }
            if case .array(let a) = data, a.isEmpty { return data }
        }
        guard case .array(let values) = data else {
            throw EnforcementFailure("Expected data to be list or numpy array, got \(data.pythonTypeName)")
        }
        if case .scalar(let t) = items {
            guard !values.isEmpty else { return data }
            do {
                let enforced = try SchemaEnforcer.enforceDatatype(name: "", PyArray.infer(values), t)
                return .array((0..<enforced.count).map { enforced.element($0) })
            } catch {
                throw EnforcementFailure(error.message)
            }
        }
        var out: [JSONValue] = []
        for v in values { out.append(try enforce(v, items, required: required)) }
        return .array(out)
    }

    /// `_enforce_object`.
    static func object(_ data: JSONValue, _ properties: [ColumnType.Property], required: Bool) throws(EnforcementFailure) -> JSONValue {
        if !required {
            if data.isNull { return data }
            if case .object(let o) = data, o.isEmpty { return data }
        }
        let typeText = ColumnType.object(properties).pythonRepr
        guard case .object(var dict) = data else {
            throw EnforcementFailure(
                "Failed to enforce schema of '\(PythonRepr.str(data))' with type '\(typeText)'. Expected data to be dictionary, got \(data.pythonTypeName)")
        }
        let names = properties.map(\.name)
        let missing = properties.filter { $0.required && !dict.contains($0.name) }.map { JSONValue.string($0.name) }
        if !missing.isEmpty { throw EnforcementFailure("Missing required properties: \(PythonRepr.set(missing))") }
        let invalid = dict.keys.filter { !names.contains($0) }.map { JSONValue.string($0) }
        if !invalid.isEmpty { throw EnforcementFailure("Invalid properties not defined in the schema found: \(PythonRepr.set(invalid))") }
        for (k, v) in dict.pairs {
            let p = properties.first { $0.name == k }!
            do {
                dict[k] = try enforce(v, p.type, required: p.required)
            } catch {
                let expected: String
                if case .scalar(let t) = p.type { expected = t.rawValue } else { expected = p.type.pythonTypeKeyword }
                throw EnforcementFailure("Failed to enforce schema for key `\(k)`. Expected type \(expected), received type \(v.pythonTypeName)")
            }
        }
        return .object(dict)
    }

    /// `_enforce_map`.
    static func map(_ data: JSONValue, _ values: ColumnType, required: Bool) throws(EnforcementFailure) -> JSONValue {
        if !required || values == .any {
            if data.isNull { return data }
            if case .object(let o) = data, o.isEmpty { return data }
        }
        guard case .object(var dict) = data else {
            throw EnforcementFailure("Expected data to be a dict, got \(data.pythonTypeName)")
        }
        for (k, v) in dict.pairs { dict[k] = try enforce(v, values, required: required) }
        return .object(dict)
    }
}

extension ColumnType {
    /// The `type` keyword of `to_dict()` (`array`, `object`, `map`, `any`).
    var pythonTypeKeyword: String {
        switch self {
        case .scalar(let t): t.rawValue
        case .array: "array"
        case .object: "object"
        case .map: "map"
        case .any: "any"
        case .sparkMLVector: "sparkml_vector"
        }
    }
}

extension PythonRepr {
    /// `repr(set_of_values)` in the given order (Python's own order depends on string hashing).
    package static func set(_ items: [JSONValue]) -> String {
        "{" + items.map { repr($0) }.joined(separator: ", ") + "}"
    }
}
