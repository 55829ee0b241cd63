/// The values of one pandas column or numpy array, with the dtype pandas would give them.
///
/// This is the object model MLflow's parsing and schema enforcement run on; Vigil reproduces it so
/// that casts, errors and the data shown in error messages come out as MLflow's do.
package enum PyArray: Sendable, Equatable {
    case float64([Double])
    case float32([Float])
    case int64([Int64])
    case int32([Int32])
    case uint64([UInt64])
    case bool([Bool])
    /// pandas' `str` dtype (missing values are NaN); numpy `<U` arrays have no missing values.
    case str([String?])
    /// `object` dtype: arbitrary Python values as `json.loads` made them.
    case object([JSONValue])
    /// `object` dtype holding `bytes` (binary columns after base64 decoding).
    case bytes([[UInt8]])
    /// `datetime64[ns]`: nanoseconds since the epoch, `Int64.min` for NaT.
    case datetime([Int64])

    package static let notATime = Int64.min

    package var count: Int {
        switch self {
        case .float64(let v): v.count
        case .float32(let v): v.count
        case .int64(let v): v.count
        case .int32(let v): v.count
        case .uint64(let v): v.count
        case .bool(let v): v.count
        case .str(let v): v.count
        case .object(let v): v.count
        case .bytes(let v): v.count
        case .datetime(let v): v.count
        }
    }

    /// `dtype.name` as pandas prints it.
    package var dtypeName: String {
        switch self {
        case .float64: "float64"
        case .float32: "float32"
        case .int64: "int64"
        case .int32: "int32"
        case .uint64: "uint64"
        case .bool: "bool"
        case .str: "str"
        case .object, .bytes: "object"
        case .datetime: "datetime64[ns]"
        }
    }

    package var isNumeric: Bool {
        switch self {
        case .float64, .float32, .int64, .int32, .uint64, .bool: true
        default: false
        }
    }

    /// Element `i` as the Python object pandas would hand back (`series[i]`).
    package func element(_ i: Int) -> JSONValue {
        switch self {
        case .float64(let v): .double(v[i])
        case .float32(let v): .double(Double(v[i]))
        case .int64(let v): .int(v[i])
        case .int32(let v): .int(Int64(v[i]))
        case .uint64(let v): v[i] <= UInt64(Int64.max) ? .int(Int64(v[i])) : .bigInt(String(v[i]))
        case .bool(let v): .bool(v[i])
        case .str(let v): v[i].map { .string($0) } ?? .double(.nan)
        case .object(let v): v[i]
        case .bytes(let v): .string(String(decoding: v[i], as: UTF8.self))
        case .datetime(let v): v[i] == Self.notATime ? .null : .int(v[i])
        }
    }

    /// The elements at `indices`, same dtype.
    package func take(_ indices: [Int]) -> PyArray {
        switch self {
        case .float64(let v): .float64(indices.map { v[$0] })
        case .float32(let v): .float32(indices.map { v[$0] })
        case .int64(let v): .int64(indices.map { v[$0] })
        case .int32(let v): .int32(indices.map { v[$0] })
        case .uint64(let v): .uint64(indices.map { v[$0] })
        case .bool(let v): .bool(indices.map { v[$0] })
        case .str(let v): .str(indices.map { v[$0] })
        case .object(let v): .object(indices.map { v[$0] })
        case .bytes(let v): .bytes(indices.map { v[$0] })
        case .datetime(let v): .datetime(indices.map { v[$0] })
        }
    }

    /// True when any element is missing (NaN, None, NaT).
    package var hasMissing: Bool {
        switch self {
        case .float64(let v): v.contains { $0.isNaN }
        case .float32(let v): v.contains { $0.isNaN }
        case .str(let v): v.contains { $0 == nil }
        case .object(let v): v.contains { $0.isMissing }
        case .datetime(let v): v.contains(Self.notATime)
        case .int64, .int32, .uint64, .bool, .bytes: false
        }
    }
}

extension JSONValue {
    /// `pd.isna(x)` for a scalar: None and float NaN.
    package var isMissing: Bool {
        switch self {
        case .null: true
        case .double(let d): d.isNaN
        default: false
        }
    }
}
