/// A failure inside MLflow's schema code (`MlflowException(message)`).
struct EnforcementFailure: Error {
    var message: String
    /// The signature column being enforced when it failed.
    var column: String?
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
