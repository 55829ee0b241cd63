/// A Python object as MLflow's request parsing hands it to `PyFuncModel.predict`: a DataFrame,
/// numpy arrays and scalars, dicts and lists of them, or plain `json.loads` values.
package indirect enum PyValue: Sendable, Equatable {
    case frame(PandasFrame)
    /// An ndarray, or a numpy scalar when the shape is empty.
    case ndarray(NDArray)
    case dict([(String, PyValue)])
    case list([PyValue])
    /// Plain Python values from `json.loads`.
    case json(JSONValue)

    package static func == (a: PyValue, b: PyValue) -> Bool {
        switch (a, b) {
        case (.frame(let x), .frame(let y)): x == y
        case (.ndarray(let x), .ndarray(let y)): x == y
        case (.dict(let x), .dict(let y)): x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
        case (.list(let x), .list(let y)): x == y
        case (.json(let x), .json(let y)): x == y
        default: false
        }
    }

    /// `type(x).__name__`.
    package var pythonTypeName: String {
        switch self {
        case .frame: return "DataFrame"
        case .ndarray(let a):
            if !a.isScalar { return "ndarray" }
            switch a.values {
            case .float64: return "float64"
            case .float32: return "float32"
            case .int64: return "int64"
            case .int32: return "int32"
            case .uint64: return "uint64"
            case .bool: return "bool"
            case .str: return "str_"
            default: return "object"
            }
        case .dict: return "dict"
        case .list: return "list"
        case .json(let v): return v.pythonTypeName
        }
    }

    /// `str(x)`, as `f"... '{data}' ..."` embeds it.
    package var pythonStr: String {
        switch self {
        case .frame(let f): f.pythonStr
        case .ndarray(let a): a.pythonStr
        case .json(let v): PythonRepr.str(v)
        case .dict, .list: pythonRepr
        }
    }

    /// `repr(x)`.
    package var pythonRepr: String {
        switch self {
        case .frame(let f): f.pythonStr
        case .ndarray(let a): a.pythonRepr
        case .json(let v): PythonRepr.repr(v)
        case .dict(let pairs): "{" + pairs.map { PythonRepr.string($0.0) + ": " + $0.1.pythonRepr }.joined(separator: ", ") + "}"
        case .list(let items): "[" + items.map(\.pythonRepr).joined(separator: ", ") + "]"
        }
    }

    /// `np.isscalar(x) or x is None`.
    package var isScalarOrNone: Bool {
        switch self {
        case .ndarray(let a): a.isScalar
        case .json(let v): v.isScalar || v.isNull
        default: false
        }
    }

    /// The value as a plain Python object (numpy scalars become their Python value).
    package var asJSON: JSONValue? {
        switch self {
        case .json(let v): return v
        case .ndarray(let a) where a.isScalar: return a.values.element(0)
        case .list(let items):
            var out: [JSONValue] = []
            for i in items {
                guard let j = i.asJSON else { return nil }
                out.append(j)
            }
            return .array(out)
        case .dict(let pairs):
            var o = JSONObject()
            for (k, v) in pairs {
                guard let j = v.asJSON else { return nil }
                o[k] = j
            }
            return .object(o)
        default: return nil
        }
    }
}
