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

/// Python's `float()` and `int()` on single values, with their exceptions.
package enum PythonConversions {
    /// `float(x)`.
    package static func float(_ x: JSONValue) throws(PandasError) -> Double {
        switch x {
        case .double(let d): return d
        case .int(let i): return Double(i)
        case .bool(let b): return b ? 1 : 0
        case .bigInt(let digits):
            guard let d = Double(digits), d.isFinite else { throw PandasError("OverflowError", "int too large to convert to float") }
            return d
        case .string(let s): return try float(s)
        case .null: throw PandasError("TypeError", "float() argument must be a string or a real number, not 'NoneType'")
        case .array: throw PandasError("ValueError", "setting an array element with a sequence.")
        case .object: throw PandasError("TypeError", "float() argument must be a string or a real number, not 'dict'")
        }
    }

    /// `float(str)`: surrounding whitespace, `_` between digits, `nan` / `inf` / `infinity` in any case.
    package static func float(_ s: String) throws(PandasError) -> Double {
        let trimmed = s.trimmingPythonWhitespace()
        let fail = PandasError("ValueError", "could not convert string to float: \(PythonRepr.string(s))")
        var text = trimmed.lowercased()
        var sign = 1.0
        if text.hasPrefix("-") {
            sign = -1
            text.removeFirst()
        } else if text.hasPrefix("+") {
            text.removeFirst()
        }
        if text == "nan" { return .nan }
        if text == "inf" || text == "infinity" { return sign * .infinity }
        guard var cleaned = stripUnderscores(trimmed), isDecimalLiteral(cleaned) else { throw fail }
        if cleaned.hasPrefix("+") { cleaned.removeFirst() }
        let bytes = Array(cleaned.utf8)
        return bytes.withUnsafeBytes { JSONNumber.double($0, 0, $0.count) }
    }

    /// `int(x)` (then numpy's check that it fits an int64).
    package static func int(_ x: JSONValue) throws(PandasError) -> Int64 {
        switch x {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        case .bigInt: throw PandasError("OverflowError", "Python int too large to convert to C long")
        case .double(let d):
            if d.isNaN { throw PandasError("ValueError", "cannot convert float NaN to integer") }
            if d.isInfinite { throw PandasError("OverflowError", "cannot convert float infinity to integer") }
            guard d > -9.3e18 && d < 9.3e18, let v = Int64(exactly: d.rounded(.towardZero)) else {
                throw PandasError("OverflowError", "Python int too large to convert to C long")
            }
            return v
        case .string(let s):
            let fail = PandasError("ValueError", "invalid literal for int() with base 10: \(PythonRepr.string(s))")
            guard let cleaned = stripUnderscores(s.trimmingPythonWhitespace()) else { throw fail }
            var digits = Substring(cleaned)
            var negative = false
            if digits.first == "-" || digits.first == "+" {
                negative = digits.first == "-"
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 &- 48 < 10 }) else { throw fail }
            guard let magnitude = UInt64(digits) else {
                throw PandasError("OverflowError", "Python int too large to convert to C long")
            }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { throw PandasError("OverflowError", "Python int too large to convert to C long") }
                return Int64(truncatingIfNeeded: 0 &- magnitude)
            }
            guard magnitude <= UInt64(Int64.max) else { throw PandasError("OverflowError", "Python int too large to convert to C long") }
            return Int64(magnitude)
        case .null:
            throw PandasError("TypeError", "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'")
        case .array:
            throw PandasError("TypeError", "int() argument must be a string, a bytes-like object or a real number, not 'list'")
        case .object:
            throw PandasError("TypeError", "int() argument must be a string, a bytes-like object or a real number, not 'dict'")
        }
    }

    /// A C cast from double to int64 as numpy does it on x86: out-of-range values become Int64.min.
    package static func truncate(_ d: Double) -> Int64 {
        guard d.isFinite, d >= -9_223_372_036_854_775_808.0, d < 9_223_372_036_854_775_808.0 else { return Int64.min }
        return Int64(d.rounded(.towardZero))
    }

    /// Removes `_` separators the way Python's number parsers allow them (only between digits).
    private static func stripUnderscores(_ s: String) -> String? {
        guard s.contains("_") else { return s }
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        for (i, b) in bytes.enumerated() {
            if b == UInt8(ascii: "_") {
                guard i > 0, i + 1 < bytes.count, bytes[i - 1] &- 48 < 10, bytes[i + 1] &- 48 < 10 else { return nil }
                continue
            }
            out.append(b)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `[+-]digits[.digits][e[+-]digits]` with at least one digit in the mantissa.
    private static func isDecimalLiteral(_ s: String) -> Bool {
        let b = Array(s.utf8)
        var i = 0
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
        var digits = 0
        while i < b.count, b[i] &- 48 < 10 {
            i += 1
            digits += 1
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            while i < b.count, b[i] &- 48 < 10 {
                i += 1
                digits += 1
            }
        }
        guard digits > 0 else { return false }
        if i < b.count, b[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            var expDigits = 0
            while i < b.count, b[i] &- 48 < 10 {
                i += 1
                expDigits += 1
            }
            guard expDigits > 0 else { return false }
        }
        return i == b.count
    }
}

extension String {
    /// `str.strip()`: Unicode whitespace at both ends.
    package func trimmingPythonWhitespace() -> String {
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, scalars[start].properties.isWhitespace || (0x1C...0x1F).contains(scalars[start].value) {
            start = scalars.index(after: start)
        }
        while end > start {
            let prev = scalars.index(before: end)
            guard scalars[prev].properties.isWhitespace || (0x1C...0x1F).contains(scalars[prev].value) else { break }
            end = prev
        }
        return String(scalars[start..<end])
    }
}

/// `base64.decodebytes`: non-alphabet characters are skipped, padding is checked.
package enum Base64 {
    package static func decodeBytes(_ input: [UInt8]) throws(PandasError) -> [UInt8] {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        var count = 0
        var padding = 0
        for c in input {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            case UInt8(ascii: "="):
                padding += 1
                if (count + padding) % 4 == 0 && count % 4 >= 2 { return out }
                continue
            default: continue
            }
            if padding > 0 { padding = 0 }
            buffer = buffer << 6 | v
            bits += 6
            count += 1
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        if count % 4 == 1 {
            throw PandasError(
                "Error",
                "Invalid base64-encoded string: number of data characters (\(count)) cannot be 1 more than a multiple of 4")
        }
        if count % 4 != 0 { throw PandasError("Error", "Incorrect padding") }
        return out
    }
}

/// ISO-8601 date and time text to nanoseconds since the epoch (timezone-naive).
package enum ISODateTime {
    package static func nanoseconds(_ text: String) -> Int64? {
        let b = Array(text.trimmingPythonWhitespace().utf8)
        func number(_ from: Int, _ length: Int) -> Int? {
            guard from + length <= b.count else { return nil }
            var v = 0
            for k in from..<(from + length) {
                guard b[k] &- 48 < 10 else { return nil }
                v = v * 10 + Int(b[k] - 48)
            }
            return v
        }
        guard let year = number(0, 4), b.count >= 10, b[4] == UInt8(ascii: "-"), let month = number(5, 2),
            b[7] == UInt8(ascii: "-"), let day = number(8, 2), (1...12).contains(month), day >= 1, day <= 31
        else { return nil }
        var hour = 0
        var minute = 0
        var second = 0
        var fraction: Int64 = 0
        var i = 10
        if i < b.count {
            guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " "), let h = number(i + 1, 2), i + 3 < b.count,
                b[i + 3] == UInt8(ascii: ":"), let m = number(i + 4, 2), h < 24, m < 60
            else { return nil }
            hour = h
            minute = m
            i += 6
            if i < b.count, b[i] == UInt8(ascii: ":") {
                guard let s = number(i + 1, 2), s < 60 else { return nil }
                second = s
                i += 3
                if i < b.count, b[i] == UInt8(ascii: ".") {
                    i += 1
                    var scale: Int64 = 100_000_000
                    var digits = 0
                    while i < b.count, b[i] &- 48 < 10 {
                        if digits < 9 { fraction += Int64(b[i] - 48) * scale }
                        scale /= 10
                        digits += 1
                        i += 1
                    }
                    guard digits > 0 else { return nil }
                }
            }
            guard i == b.count else { return nil }
        }
        // Days from civil (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = Int64(era * 146_097 + doe - 719_468)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return seconds * 1_000_000_000 + fraction
    }
}
