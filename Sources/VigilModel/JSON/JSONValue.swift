/// A JSON document as Python's `json.loads` returns it: the object model every MLflow check runs on.
///
/// Integers stay integers (Python's `int` is unbounded: literals outside Int64 keep their digits),
/// objects keep their keys in first-insertion order with the last value winning, like a `dict`.
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    /// An integer literal outside Int64, as its canonical decimal digits (with a leading `-` if negative).
    case bigInt(String)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Python's type name for the value (`type(x).__name__`).
    package var pythonTypeName: String {
        switch self {
        case .null: "NoneType"
        case .bool: "bool"
        case .int, .bigInt: "int"
        case .double: "float"
        case .string: "str"
        case .array: "list"
        case .object: "dict"
        }
    }

    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    package var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    package var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    package var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// True for Python scalars (`np.isscalar`): None is not one, strings are.
    package var isScalar: Bool {
        switch self {
        case .bool, .int, .bigInt, .double, .string: true
        case .null, .array, .object: false
        }
    }

    /// Python equality for the values JSON can hold (`1 == 1.0 == True`).
    package func pythonEquals(_ other: JSONValue) -> Bool {
        switch (self.numeric, other.numeric) {
        case (let a?, let b?): return a == b
        default: return self == other
        }
    }

    /// The value as a number when Python would compare it as one.
    private var numeric: Double? {
        switch self {
        case .bool(let b): b ? 1 : 0
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
}

/// A JSON object with Python `dict` semantics: insertion order, last duplicate wins in place.
package struct JSONObject: Sendable, Equatable {
    package private(set) var keys: [String] = []
    package private(set) var values: [JSONValue] = []
    /// Key positions, built once the object is big enough for linear search to hurt.
    private var positions: [String: Int]? = nil

    package init() {}

    package init(_ pairs: [(String, JSONValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    package static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.keys == b.keys && a.values == b.values
    }

    package var count: Int { keys.count }
    package var isEmpty: Bool { keys.isEmpty }

    private func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return keys.firstIndex(of: key)
    }

    package subscript(key: String) -> JSONValue? {
        get { position(of: key).map { values[$0] } }
        set {
            if let i = position(of: key) {
                if let newValue {
                    values[i] = newValue
                } else {
                    keys.remove(at: i)
                    values.remove(at: i)
                    positions = nil
                    if keys.count > 16 { reindex() }
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
                if positions != nil {
                    positions?[key] = keys.count - 1
                } else if keys.count > 16 {
                    reindex()
                }
            }
        }
    }

    private mutating func reindex() {
        var p = [String: Int](minimumCapacity: keys.count * 2)
        for (i, k) in keys.enumerated() { p[k] = i }
        positions = p
    }

    package func contains(_ key: String) -> Bool { position(of: key) != nil }

    package var pairs: Zip2Sequence<[String], [JSONValue]> { zip(keys, values) }
}
