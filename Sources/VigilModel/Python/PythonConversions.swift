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
