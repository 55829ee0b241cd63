/// `Series.astype(dtype)` for the dtypes MLflow casts request columns to
/// (`mlflow/utils/proto_json_utils.py:cast_df_types_according_to_schema`), with numpy's and
/// pandas' exceptions.
extension PyArray {
    package func cast(to type: DataType) throws(PandasError) -> PyArray {
        switch type {
        case .double: return .float64(try toDoubles())
        case .float: return .float32(try toDoubles().map { Float($0) })
        case .long: return .int64(try toInt64s())
        case .integer: return .int32(try toInt64s().map { Int32(truncatingIfNeeded: $0) })
        case .boolean: return .bool(toBools())
        case .string: return toObjects()
        case .binary: return .bytes(try toBytes())
        case .datetime: return .datetime(try toDatetimes())
        }
    }

    /// `astype(float64)`.
    private func toDoubles() throws(PandasError) -> [Double] {
        switch self {
        case .float64(let v): return v
        case .float32(let v): return v.map { Double($0) }
        case .int64(let v): return v.map { Double($0) }
        case .int32(let v): return v.map { Double($0) }
        case .uint64(let v): return v.map { Double($0) }
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        case .datetime(let v): return v.map { Double($0) }
        case .str(let v):
            var out: [Double] = []
            out.reserveCapacity(v.count)
            for s in v {
                guard let s else {
                    out.append(.nan)
                    continue
                }
                out.append(try PythonConversions.float(s))
            }
            return out
        case .object(let v):
            // numpy's object → float64 cast turns None into NaN (int casts refuse it).
            var out: [Double] = []
            out.reserveCapacity(v.count)
            for x in v { out.append(x.isNull ? .nan : try PythonConversions.float(x)) }
            return out
        case .bytes(let v):
            var out: [Double] = []
            for b in v { out.append(try PythonConversions.float(String(decoding: b, as: UTF8.self))) }
            return out
        }
    }

    /// `astype(int64)`: floats truncate (non-finite values refuse), objects go through `int()`.
    private func toInt64s() throws(PandasError) -> [Int64] {
        switch self {
        case .int64(let v): return v
        case .int32(let v): return v.map { Int64($0) }
        case .uint64(let v): return v.map { Int64(bitPattern: $0) }
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        case .datetime(let v): return v
        case .float64(let v):
            if v.contains(where: { !$0.isFinite }) { throw Self.intCastingNaN }
            return v.map(PythonConversions.truncate)
        case .float32(let v):
            if v.contains(where: { !$0.isFinite }) { throw Self.intCastingNaN }
            return v.map { PythonConversions.truncate(Double($0)) }
        case .str(let v):
            var out: [Int64] = []
            for s in v {
                guard let s else { throw PandasError("ValueError", "cannot convert float NaN to integer") }
                out.append(try PythonConversions.int(.string(s)))
            }
            return out
        case .object(let v):
            var out: [Int64] = []
            out.reserveCapacity(v.count)
            for x in v { out.append(try PythonConversions.int(x)) }
            return out
        case .bytes(let v):
            var out: [Int64] = []
            for b in v { out.append(try PythonConversions.int(.string(String(decoding: b, as: UTF8.self)))) }
            return out
        }
    }

    private static let intCastingNaN = PandasError(
        "IntCastingNaNError",
        "Cannot convert non-finite values (NA or inf) to integer. Replace or remove non-finite values or cast to an integer type that supports these values (e.g. 'Int64')"
    )

    /// `astype(bool)`: numpy truthiness.
    private func toBools() -> [Bool] {
        switch self {
        case .bool(let v): v
        case .float64(let v): v.map { $0 != 0 }
        case .float32(let v): v.map { $0 != 0 }
        case .int64(let v): v.map { $0 != 0 }
        case .int32(let v): v.map { $0 != 0 }
        case .uint64(let v): v.map { $0 != 0 }
        case .datetime(let v): v.map { $0 != 0 }
        case .str(let v): v.map { $0.map { !$0.isEmpty } ?? true }
        case .bytes(let v): v.map { !$0.isEmpty }
        case .object(let v): v.map(\.pythonTruth)
        }
    }

    /// `astype(object)`: the Python values themselves (strings stay as pandas' `str` dtype).
    private func toObjects() -> PyArray {
        switch self {
        case .str, .object, .bytes: self
        default: .object((0..<count).map { element($0) })
        }
    }

    /// `base64.decodebytes(bytes(x, "utf8"))` for every cell.
    private func toBytes() throws(PandasError) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for i in 0..<count {
            guard case .string(let s) = element(i) else {
                throw PandasError("TypeError", "encoding without a string argument")
            }
            out.append(try Base64.decodeBytes(Array(s.utf8)))
        }
        return out
    }

    /// `pd.to_datetime(series)` for ISO-8601 strings, integers (nanoseconds) and missing values.
    private func toDatetimes() throws(PandasError) -> [Int64] {
        switch self {
        case .datetime(let v): return v
        case .int64(let v): return v
        case .int32(let v): return v.map { Int64($0) }
        case .uint64(let v): return v.map { Int64(bitPattern: $0) }
        case .float64(let v): return v.map { $0.isNaN ? Self.notATime : PythonConversions.truncate($0) }
        case .float32(let v): return v.map { $0.isNaN ? Self.notATime : PythonConversions.truncate(Double($0)) }
        case .bool:
            throw PandasError("TypeError", "<class 'bool'> is not convertible to datetime, at position 0")
        case .str, .object, .bytes:
            var out: [Int64] = []
            for i in 0..<count {
                let v = element(i)
                switch v {
                case .null: out.append(Self.notATime)
                case .double(let d) where d.isNaN: out.append(Self.notATime)
                case .int(let n): out.append(n)
                case .string(let s):
                    guard let ns = ISODateTime.nanoseconds(s) else {
                        throw PandasError("DateParseError", "Unknown datetime string format, unable to parse: \(s)")
                    }
                    out.append(ns)
                default:
                    throw PandasError("TypeError", "<class '\(v.pythonTypeName)'> is not convertible to datetime, at position \(i)")
                }
            }
            return out
        }
    }
}

extension JSONValue {
    /// `bool(x)`.
    package var pythonTruth: Bool {
        switch self {
        case .null: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .bigInt: true
        case .double(let d): d != 0
        case .string(let s): !s.isEmpty
        case .array(let a): !a.isEmpty
        case .object(let o): !o.isEmpty
        }
    }
}
