/// `_enforce_params_schema` (`mlflow/models/utils.py`): validates request params against the
/// signature's params schema, fills defaults and drops unknown keys.
enum ParamsEnforcer {
    /// The params the model receives, or the message of MLflow's `INVALID_PARAMETER_VALUE` error.
    static func enforce(_ params: JSONValue?, schema: [ParamSpec]?) throws(EnforcementFailure) -> JSONObject {
        guard let schema else { return JSONObject() }
        var given = JSONObject()
        switch params {
        case nil, .null?: break
        case .object(let o)?: given = o
        case let v?: throw EnforcementFailure("Parameters must be a dictionary. Got type '\(v.pythonTypeName)'.")
        }
        var result = JSONObject()
        var invalid: [(String, String)] = []
        for spec in schema {
            if let value = given[spec.name] {
                do {
                    result[spec.name] = try validate(value, spec)
                } catch {
                    invalid.append((spec.name, error.message))
                }
            } else {
                result[spec.name] = spec.defaultValue
            }
        }
        if !invalid.isEmpty {
            let items = invalid.map { "(\(PythonRepr.string($0.0)), \(PythonRepr.string($0.1)))" }
            throw EnforcementFailure("Invalid parameters found: {\(items.joined(separator: ", "))}")
        }
        return result
    }

    /// `ParamSpec.validate_type_and_shape`.
    static func validate(_ value: JSONValue, _ spec: ParamSpec) throws(EnforcementFailure) -> JSONValue {
        let specText = spec.pythonRepr
        if spec.shape == [-1] {
            let ndim = ndim(value)
            guard case .array(let items) = value, ndim == 1 else {
                throw EnforcementFailure(
                    "Value must be a 1D array with shape (-1,) for param \(specText), received \(value.pythonTypeName) with ndim \(ndim)")
            }
            guard case .scalar(let t) = spec.type else { return value }
            var out: [JSONValue] = []
            for item in items {
                do {
                    out.append(try datatype(item, t))
                } catch {
                    throw EnforcementFailure("Failed to validate type and shape for \(specText), error: \(error.message)")
                }
            }
            return .array(out)
        }
        guard spec.shape == nil else {
            throw EnforcementFailure(
                "Shape must be None for scalar or dictionary value, or (-1,) for 1D array value for ParamSpec \(specText)), received \(PythonRepr.tuple(spec.shape!))")
        }
        do {
            switch spec.type {
            case .scalar(let t): return try datatype(value, t)
            case .object(let properties):
                _ = try JSONTypeEnforcement.object(value, properties, required: true)
                return value
            }
        } catch {
            throw EnforcementFailure("Failed to validate type and shape for \(specText), error: \(error.message)")
        }
    }

    /// `_enforce_param_datatype`.
    static func datatype(_ value: JSONValue, _ t: DataType) throws(EnforcementFailure) -> JSONValue {
        if value.isNull { return value }
        let typeName = "DataType.\(t.rawValue)"
        if t == .datetime {
            guard case .string(let s) = value, ISODateTime.nanoseconds(s) != nil else {
                throw EnforcementFailure(
                    "Failed to convert value `\(PythonRepr.str(value))` from type `<class '\(value.pythonTypeName)'>` to `\(typeName)`")
            }
            return value
        }
        guard value.isScalar else {
            throw EnforcementFailure("Value must be a scalar for type `\(typeName)`, got `\(PythonRepr.str(value))`")
        }
        switch (t, value) {
        case (.double, .double), (.float, .double): return value
        case (.double, .int(let i)), (.float, .int(let i)): return .double(Double(i))
        case (.double, .bigInt(let d)), (.float, .bigInt(let d)):
            guard let v = Double(d), v.isFinite else {
                throw EnforcementFailure("int too large to convert to float")
            }
            return .double(v)
        case (.long, .int), (.long, .bigInt), (.integer, .int), (.integer, .bigInt): return value
        case (.string, .string), (.boolean, .bool): return value
        case (.binary, _): break
        default: break
        }
        throw EnforcementFailure(
            "Can not safely convert `<class '\(value.pythonTypeName)'>` to `\(typeName)` for value `\(PythonRepr.str(value))`")
    }

    /// `np.array(value).ndim` for JSON values.
    static func ndim(_ value: JSONValue) -> Int {
        guard case .array(let items) = value else { return 0 }
        guard let first = items.first else { return 1 }
        let inner = ndim(first)
        return items.allSatisfy({ ndim($0) == inner }) ? 1 + inner : 1
    }
}
