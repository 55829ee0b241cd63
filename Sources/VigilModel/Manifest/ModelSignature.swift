/// A model signature (`mlflow/types/schema.py`): input schema, output schema and params schema.
///
/// In `MLmodel` each part is a JSON string inside the YAML.
package struct ModelSignature: Sendable, Equatable {
    package var inputs: Schema?
    package var outputs: Schema?
    package var params: [ParamSpec]?

    package init(inputs: Schema?, outputs: Schema? = nil, params: [ParamSpec]? = nil) {
        self.inputs = inputs
        self.outputs = outputs
        self.params = params
    }

    /// Reads the `signature` mapping of an `MLmodel` file.
    package init(fields: JSONObject) throws(ModelFileError) {
        inputs = try Self.schema(fields, "inputs")
        outputs = try Self.schema(fields, "outputs")
        if let array = try Self.jsonArray(fields, "params") {
            var specs: [ParamSpec] = []
            for item in array {
                do {
                    specs.append(try ParamSpec(json: item))
                } catch {
                    throw ModelFileError.invalidSignature(field: "params", reason: error.reason)
                }
            }
            params = specs
        } else {
            params = nil
        }
    }

    private static func jsonArray(_ fields: JSONObject, _ key: String) throws(ModelFileError) -> [JSONValue]? {
        guard let raw = fields[key], !raw.isNull else { return nil }
        guard case .string(let text) = raw else {
            throw ModelFileError.invalidSignature(field: key, reason: "expected a JSON string")
        }
        let bytes = Array(text.utf8)
        let parsed = bytes.withUnsafeBytes { b in Result { () throws(JSONDocument.LoadError) in try JSONDocument.load(b) } }
        switch parsed {
        case .failure(let e):
            throw ModelFileError.invalidSignature(field: key, reason: e.pythonRepr)
        case .success(.array(let items)):
            return items
        case .success(.null):
            return nil
        case .success:
            throw ModelFileError.invalidSignature(field: key, reason: "expected a JSON list")
        }
    }

    private static func schema(_ fields: JSONObject, _ key: String) throws(ModelFileError) -> Schema? {
        guard let items = try jsonArray(fields, key) else { return nil }
        do {
            return try Schema(json: items)
        } catch {
            throw ModelFileError.invalidSignature(field: key, reason: error.reason)
        }
    }
}

/// Why a signature part could not be read.
package struct SignatureError: Error, Sendable {
    package var reason: String
    package init(_ reason: String) { self.reason = reason }
}

/// MLflow's scalar data types (`DataType`), with their numpy names.
package enum DataType: String, Sendable, Equatable, CaseIterable {
    case boolean, integer, long, float, double, string, binary, datetime

    /// `DataType.to_numpy()` as numpy prints it (`np.dtype(...).name`, or `str` as in messages).
    package var numpyName: String {
        switch self {
        case .boolean: "bool"
        case .integer: "int32"
        case .long: "int64"
        case .float: "float32"
        case .double: "float64"
        case .string: "<U0"
        case .binary: "|S0"
        case .datetime: "datetime64[ns]"
        }
    }

    /// `str(col_type)` where MLflow prints the pandas type it casts to: a dtype name, or
    /// `<class 'object'>` for strings and binary.
    package var pandasTypeDescription: String {
        switch self {
        case .string, .binary: "<class 'object'>"
        default: numpyName
        }
    }
}

/// The type of one column: a scalar, or one of the JSON-shaped types of MLflow 2.10+.
package indirect enum ColumnType: Sendable, Equatable {
    case scalar(DataType)
    case array(ColumnType)
    /// Properties sorted by name, as `Object` keeps them.
    case object([Property])
    case map(ColumnType)
    case any
    case sparkMLVector

    package struct Property: Sendable, Equatable {
        package var name: String
        package var type: ColumnType
        package var required: Bool
    }

    /// `repr(type)`: `double`, `Array(double)`, `{a: long (required)}`, `Map(str -> DataType.string)`, `Any`.
    package var pythonRepr: String {
        switch self {
        case .scalar(let t): t.rawValue
        case .array(let items): "Array(\(items.pythonRepr))"
        case .object(let properties):
            "{" + properties.map { "\($0.name): \($0.type.pythonRepr) (\($0.required ? "required" : "optional"))" }.joined(separator: ", ") + "}"
        case .map(let values): "Map(str -> \(values.pythonStr))"
        case .any: "Any"
        case .sparkMLVector: "SparkML vector"
        }
    }

    /// `str(type)`: differs from `repr` only for scalars (`DataType.double`).
    package var pythonStr: String {
        if case .scalar(let t) = self { return "DataType.\(t.rawValue)" }
        return pythonRepr
    }

    /// Reads `{"type": ..., "items"|"properties"|"values": ...}`.
    init(json: JSONObject) throws(SignatureError) {
        guard let type = json["type"]?.stringValue else { throw SignatureError("missing key `type`") }
        switch type {
        case "array":
            guard let items = json["items"]?.objectValue else { throw SignatureError("Array needs `items`") }
            self = .array(try ColumnType(json: items))
        case "object":
            guard let properties = json["properties"]?.objectValue else { throw SignatureError("Object needs `properties`") }
            var list: [Property] = []
            for (name, value) in properties.pairs {
                guard let p = value.objectValue else { throw SignatureError("property \(name) must be a mapping") }
                let required: Bool
                if case .bool(let b)? = p["required"] { required = b } else { required = true }
                list.append(Property(name: name, type: try ColumnType(json: p), required: required))
            }
            self = .object(list.sorted { $0.name < $1.name })
        case "map":
            guard let values = json["values"]?.objectValue else { throw SignatureError("Map needs `values`") }
            self = .map(try ColumnType(json: values))
        case "any":
            self = .any
        case "sparkml_vector":
            self = .sparkMLVector
        default:
            guard let t = DataType(rawValue: type) else {
                throw SignatureError("Unsupported type '\(type)', expected instance of DataType or one of \(DataType.allCases.map(\.rawValue))")
            }
            self = .scalar(t)
        }
    }
}

/// One named (or positional) column of a column-based schema.
package struct ColSpec: Sendable, Equatable {
    package var name: String?
    package var type: ColumnType
    package var required: Bool

    package init(name: String?, type: ColumnType, required: Bool = true) {
        self.name = name
        self.type = type
        self.required = required
    }

    /// `repr(ColSpec)`: `'f0': double (required)`.
    package var pythonRepr: String {
        let r = required ? "required" : "optional"
        guard let name else { return "\(type.pythonRepr) (\(r))" }
        return "\(PythonRepr.string(name)): \(type.pythonRepr) (\(r))"
    }
}

/// One tensor input: numpy dtype name and shape (`-1` for any size).
package struct TensorSpec: Sendable, Equatable {
    package var name: String?
    package var dtype: String
    package var shape: [Int]

    /// `repr(TensorSpec)`: `Tensor('float64', (-1, 4))`, prefixed by `'name': ` when named.
    package var pythonRepr: String {
        let tensor = "Tensor(\(PythonRepr.string(dtype)), \(PythonRepr.tuple(shape)))"
        guard let name else { return tensor }
        return "\(PythonRepr.string(name)): \(tensor)"
    }
}

/// An input or output schema: columns or tensors, never both.
package enum Schema: Sendable, Equatable {
    case columns([ColSpec])
    case tensors([TensorSpec])

    init(json items: [JSONValue]) throws(SignatureError) {
        guard !items.isEmpty else { throw SignatureError("Creating Schema with empty inputs is not allowed.") }
        var columns: [ColSpec] = []
        var tensors: [TensorSpec] = []
        for item in items {
            guard let object = item.objectValue else { throw SignatureError("each entry must be a mapping") }
            let name = object["name"]?.stringValue
            if object["type"]?.stringValue == "tensor" {
                guard let spec = object["tensor-spec"]?.objectValue, let dtype = spec["dtype"]?.stringValue,
                    let shape = spec["shape"]?.arrayValue
                else { throw SignatureError("Missing keys in TensorSpec JSON. Expected to find keys `dtype` and `shape`") }
                var dims: [Int] = []
                for d in shape {
                    guard case .int(let v) = d else { throw SignatureError("tensor shape must hold integers") }
                    dims.append(Int(v))
                }
                tensors.append(TensorSpec(name: name, dtype: dtype, shape: dims))
            } else {
                let required: Bool
                if case .bool(let b)? = object["required"] { required = b } else { required = true }
                columns.append(ColSpec(name: name, type: try ColumnType(json: object), required: required))
            }
        }
        if !columns.isEmpty && !tensors.isEmpty {
            throw SignatureError("Creating Schema with a combination of ColSpec and TensorSpec is not supported.")
        }
        let names = columns.isEmpty ? tensors.map(\.name) : columns.map(\.name)
        if !(names.allSatisfy { $0 == nil } || names.allSatisfy { $0 != nil }) {
            throw SignatureError("Creating Schema with a combination of named and unnamed inputs is not allowed.")
        }
        self = columns.isEmpty ? .tensors(tensors) : .columns(columns)
    }

    package var isTensorSpec: Bool {
        if case .tensors = self { return true }
        return false
    }

    /// True when the inputs are named (`Schema.has_input_names`).
    package var hasInputNames: Bool {
        switch self {
        case .columns(let c): c.first?.name != nil
        case .tensors(let t): t.first?.name != nil
        }
    }

    package var count: Int {
        switch self {
        case .columns(let c): c.count
        case .tensors(let t): t.count
        }
    }

    /// `repr(schema)`: the list of specs, `['f0': double (required), ...]`.
    package var pythonRepr: String {
        switch self {
        case .columns(let c): "[" + c.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .tensors(let t): "[" + t.map(\.pythonRepr).joined(separator: ", ") + "]"
        }
    }
}

/// One inference parameter: name, type, default and shape (`nil` for a scalar, `[-1]` for a list).
package struct ParamSpec: Sendable, Equatable {
    package enum ParamType: Sendable, Equatable {
        case scalar(DataType)
        case object([ColumnType.Property])

        package var pythonRepr: String {
            switch self {
            case .scalar(let t): t.rawValue
            case .object(let p): ColumnType.object(p).pythonRepr
            }
        }

        package var pythonStr: String {
            switch self {
            case .scalar(let t): "DataType.\(t.rawValue)"
            case .object(let p): ColumnType.object(p).pythonRepr
            }
        }
    }

    package var name: String
    package var type: ParamType
    package var defaultValue: JSONValue
    package var shape: [Int]?

    package init(name: String, type: ParamType, defaultValue: JSONValue, shape: [Int]? = nil) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.shape = shape
    }

    init(json: JSONValue) throws(SignatureError) {
        guard let object = json.objectValue, let name = object["name"], let typeName = (object["type"] ?? object["dtype"])?.stringValue,
            let defaultValue = object["default"]
        else {
            throw SignatureError("Missing keys in ParamSpec JSON. Expected to find keys `name`, `type`(or `dtype`) and `default`.")
        }
        self.name = PythonRepr.str(name)
        if typeName == "object" {
            guard case .object(let properties) = try ColumnType(json: object) else { throw SignatureError("bad object param") }
            type = .object(properties)
        } else if let t = DataType(rawValue: typeName), t != .binary {
            type = .scalar(t)
        } else {
            throw SignatureError("Unsupported type '\(typeName)' for parameter '\(self.name)'")
        }
        // MLflow validates the default on load, which turns JSON ints into floats for float types.
        if case .scalar(let t) = type, t == .double || t == .float, case .int(let i) = defaultValue {
            self.defaultValue = .double(Double(i))
        } else {
            self.defaultValue = defaultValue
        }
        switch object["shape"] {
        case nil, .null?: shape = nil
        case .array(let dims)?:
            shape = dims.compactMap { if case .int(let v) = $0 { return Int(v) } else { return nil } }
        default: throw SignatureError("shape must be null or a list")
        }
    }

    /// `repr(ParamSpec)`: `'k': long (default: 3)`, with ` (shape: (-1,))` for lists.
    package var pythonRepr: String {
        let shapeText = shape.map { " (shape: \(PythonRepr.tuple($0)))" } ?? ""
        return "\(PythonRepr.string(name)): \(type.pythonRepr) (default: \(PythonRepr.str(defaultValue)))\(shapeText)"
    }
}

extension PythonRepr {
    /// `repr(tuple_of_ints)`: `(-1,)`, `(-1, 4)`.
    package static func tuple(_ values: [Int]) -> String {
        if values.count == 1 { return "(\(values[0]),)" }
        return "(" + values.map(String.init).joined(separator: ", ") + ")"
    }
}
