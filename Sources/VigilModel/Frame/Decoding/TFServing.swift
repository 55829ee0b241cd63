/// The TF-serving formats, `instances` and `inputs` (`parse_tf_serving_input` and friends in
/// `mlflow/utils/proto_json_utils.py`): values become numpy arrays typed by the signature.
enum TFServing {
    static func parse(format: String, _ value: JSONValue, schema: Schema?) throws(ScoringError) -> PyValue {
        do {
            if format == RequestDecoder.instances { return try instances(value, schema: schema) }
            return try castSchemaType(value, schema: schema)
        } catch let error as ScoringError {
            throw error
        } catch {
            throw ScoringError.invalidInput("Ensure that the input is a valid JSON-formatted string.\nError: \(error)")
        }
    }

    /// A column spec by name, for named schemas.
    private enum Spec {
        case column(ColSpec)
        case tensor(TensorSpec)
    }

    private static func specs(_ schema: Schema?) -> [String: Spec] {
        switch schema {
        case .columns(let c)? where c.first?.name != nil:
            Dictionary(c.map { ($0.name!, Spec.column($0)) }, uniquingKeysWith: { $1 })
        case .tensors(let t)? where t.first?.name != nil:
            Dictionary(t.map { ($0.name!, Spec.tensor($0)) }, uniquingKeysWith: { $1 })
        default: [:]
        }
    }

    private static func firstSpec(_ schema: Schema?) -> Spec? {
        switch schema {
        case .columns(let c)?: c.first.map { .column($0) }
        case .tensors(let t)?: t.first.map { .tensor($0) }
        case nil: nil
        }
    }

    /// `parse_instances_data`.
    private static func instances(_ value: JSONValue, schema: Schema?) throws -> PyValue {
        guard case .array(let items) = value, let first = items.first, first.objectValue != nil else {
            return try castSchemaType(value, schema: schema)
        }
        let types = specs(schema)
        var order: [String] = []
        var columns: [String: [PyValue]] = [:]
        for item in items {
            guard case .object(let record) = item else {
                throw ScoringError.invalidInput(
                    "Ensure that the input is a valid JSON-formatted string.\nError: AttributeError(\"'\(item.pythonTypeName)' object has no attribute 'items'\")")
            }
            for (col, v) in record.pairs {
                if columns[col] == nil { order.append(col) }
                columns[col, default: []].append(try convert(v, types[col]))
            }
        }
        var dict: [(String, PyValue)] = []
        for col in order {
            dict.append((col, .ndarray(try stack(columns[col]!, spec: types[col]))))
        }
        try checkLengths(dict, schema: schema)
        return .dict(dict)
    }

    /// `np.array(list_of_converted_values)`.
    private static func stack(_ values: [PyValue], spec: Spec?) throws(ScoringError) -> NDArray {
        var plain: [JSONValue] = []
        for v in values {
            switch v {
            case .ndarray(let a) where a.isScalar: plain.append(a.values.element(0))
            case .ndarray(let a): plain.append(a.rowJSON ?? .null)
            default: plain.append(v.asJSON ?? .null)
            }
        }
        let type: DataType?
        switch spec {
        case .column(let c)?:
            if case .scalar(let t) = c.type { type = t } else { type = nil }
        case .tensor(let t)?: type = DataType(numpyName: t.dtype)
        case nil: type = nil
        }
        do {
            return try NDArray.make(.array(plain), type: type)
        } catch {
            throw ScoringError.invalidInput(error.message)
        }
    }

    /// The length check `parse_instances_data` makes on required, non-array columns.
    private static func checkLengths(_ dict: [(String, PyValue)], schema: Schema?) throws(ScoringError) {
        var check: [(String, Int)] = []
        for (k, v) in dict {
            guard case .ndarray(let a) = v, !a.isScalar else { continue }
            if case .columns(let c)? = schema, c.first?.name != nil {
                guard let spec = c.first(where: { $0.name == k }), spec.required else { continue }
                if case .array = spec.type { continue }
            }
            check.append((k, a.shape[0]))
        }
        if let first = check.first, !check.allSatisfy({ $0.1 == first.1 }) {
            throw ScoringError.invalidInput("The length of values for each input/column name are not the same")
        }
    }

    /// `_cast_schema_type`.
    private static func castSchemaType(_ value: JSONValue, schema: Schema?) throws(ScoringError) -> PyValue {
        var input = value
        let types = specs(schema)
        if let schema {
            if types.count == 1, case .array(let items) = value, !items.contains(where: { $0.objectValue != nil }) {
                input = .object(JSONObject([(types.keys.first!, value)]))
            } else if !schema.hasInputNames && !(value.arrayValue != nil || value.isScalar) {
                throw ScoringError.invalidInput(
                    "Failed to parse input data. This model contains an un-named  model signature which expects a single n-dimensional array or a single value as input, however, an input of type <class '\(value.pythonTypeName)'> was found.")
            }
        }
        switch input {
        case .object(let o):
            var dict: [(String, PyValue)] = []
            for (k, v) in o.pairs { dict.append((k, try convert(v, types[k]))) }
            return .dict(dict)
        case .array(let items) where items.allSatisfy({ $0.objectValue != nil }):
            var out: [PyValue] = []
            for item in items {
                var dict: [(String, PyValue)] = []
                for (k, v) in item.objectValue!.pairs { dict.append((k, try convert(v, types[k]))) }
                out.append(.dict(dict))
            }
            return .list(out)
        case .array:
            return try convert(input, firstSpec(schema))
        default:
            let spec = firstSpec(schema)
            do {
                return try convert(input, spec)
            } catch {
                let specText: String
                switch spec {
                case .column(let c)?: specText = c.pythonRepr
                case .tensor(let t)?: specText = t.pythonRepr
                case nil: specText = "None"
                }
                throw ScoringError.invalidInput(
                    "Failed to convert data `\(PythonRepr.str(input))` to type `\(specText)` defined in the model signature.")
            }
        }
    }

    /// `convert_data_type`.
    private static func convert(_ data: JSONValue, _ spec: Spec?) throws(ScoringError) -> PyValue {
        do {
            switch spec {
            case nil:
                return .ndarray(try NDArray.make(data, type: nil))
            case .tensor(let t)?:
                return .ndarray(try NDArray.make(data, type: DataType(numpyName: t.dtype)))
            case .column(let c)?:
                switch c.type {
                case .scalar(let t):
                    if data.arrayValue != nil { return .ndarray(try NDArray.make(data, type: t)) }
                    let one = try NDArray.make(.array([data]), type: t)
                    return .ndarray(NDArray(values: one.values, shape: one.shape.count > 1 ? Array(one.shape.dropFirst()) : []))
                case .array(let items):
                    do {
                        return .json(try JSONTypeEnforcement.array(data, items, required: c.required))
                    } catch {
                        throw ScoringError.invalidInput(error.message)
                    }
                case .object, .map, .any, .sparkMLVector:
                    do {
                        return .json(try JSONTypeEnforcement.enforce(data, c.type, required: c.required))
                    } catch {
                        throw ScoringError.invalidInput(error.message)
                    }
                }
            }
        } catch let error as PandasError {
            throw ScoringError.invalidInput(error.message)
        } catch let error as ScoringError {
            throw error
        } catch {
            throw ScoringError.invalidInput("\(error)")
        }
    }
}
