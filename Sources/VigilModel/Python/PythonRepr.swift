/// Python's `repr` and `str` for the values MLflow's messages embed, byte for byte.
package enum PythonRepr {
    // MARK: float

    /// `repr(float)`: the shortest string that round-trips, `1e-05` / `1e+16` style exponents,
    /// `nan` / `inf` for non-finite values.
    package static func float(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        var out = ""
        appendFloat(x, to: &out)
        return out
    }

    /// True when Swift's `description` of the finite `x` is already Python's repr: both print the
    /// shortest round-trip digits with the same exponent style, except that Swift switches to
    /// exponent notation at 2^53 and Python only at 1e16.
    @inline(__always)
    package static func swiftDescriptionMatches(_ x: Double) -> Bool {
        let m = x.magnitude
        return m < 9_007_199_254_740_992.0 || m >= 1e16
    }

    /// Appends `repr(x)` for a finite `x`.
    package static func appendFloat(_ x: Double, to out: inout String) {
        if swiftDescriptionMatches(x) {
            out.append(x.description)
            return
        }
        let (negative, digits, decimalPoint) = shortestDigits(x)
        if negative { out.append("-") }
        appendFormatted(digits: digits, decimalPoint: decimalPoint, to: &out)
    }

    /// The shortest round-trip digits of `x` and the position of the decimal point
    /// (`x = 0.d1d2… × 10^decimalPoint`), taken from Swift's own shortest formatting.
    package static func shortestDigits(_ x: Double) -> (negative: Bool, digits: [UInt8], decimalPoint: Int) {
        var digits: [UInt8] = []
        digits.reserveCapacity(17)
        var negative = false
        var dotSeen = false
        var intDigits = 0
        var exponent = 0
        var inExponent = false
        var expNegative = false
        var leadingZeros = true
        var skippedFractionZeros = 0
        for b in x.description.utf8 {
            if inExponent {
                if b == UInt8(ascii: "-") { expNegative = true } else if b != UInt8(ascii: "+") { exponent = exponent * 10 + Int(b - 48) }
                continue
            }
            switch b {
            case UInt8(ascii: "-"): negative = true
            case UInt8(ascii: "."): dotSeen = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            default:
                let d = b - 48
                if leadingZeros && d == 0 {
                    if dotSeen { skippedFractionZeros += 1 }
                    continue
                }
                leadingZeros = false
                digits.append(d)
                if !dotSeen { intDigits += 1 }
            }
        }
        if expNegative { exponent = -exponent }
        while digits.count > 1 && digits.last == 0 { digits.removeLast() }
        if digits.isEmpty { return (negative, [0], 1) }
        let decimalPoint = intDigits > 0 ? intDigits + exponent : -skippedFractionZeros + exponent
        return (negative, digits, decimalPoint)
    }

    private static func appendFormatted(digits: [UInt8], decimalPoint: Int, to out: inout String) {
        let n = digits.count
        if decimalPoint > -4 && decimalPoint <= 16 {
            if decimalPoint <= 0 {
                out.append("0.")
                for _ in 0..<(-decimalPoint) { out.append("0") }
                for d in digits { out.unicodeScalars.append(Unicode.Scalar(d + 48)) }
            } else if decimalPoint >= n {
                for d in digits { out.unicodeScalars.append(Unicode.Scalar(d + 48)) }
                for _ in 0..<(decimalPoint - n) { out.append("0") }
                out.append(".0")
            } else {
                for (k, d) in digits.enumerated() {
                    if k == decimalPoint { out.append(".") }
                    out.unicodeScalars.append(Unicode.Scalar(d + 48))
                }
            }
        } else {
            out.unicodeScalars.append(Unicode.Scalar(digits[0] + 48))
            if n > 1 {
                out.append(".")
                for d in digits[1...] { out.unicodeScalars.append(Unicode.Scalar(d + 48)) }
            }
            let e = decimalPoint - 1
            out.append(e < 0 ? "e-" : "e+")
            let magnitude = abs(e)
            if magnitude < 10 { out.append("0") }
            out.append(String(magnitude))
        }
    }

    // MARK: str and bytes

    /// `repr(str)`: single quotes unless the text holds a `'` and no `"`, escapes as CPython.
    package static func string(_ s: String) -> String {
        var hasSingle = false
        var hasDouble = false
        for u in s.utf8 {
            if u == UInt8(ascii: "'") { hasSingle = true } else if u == UInt8(ascii: "\"") { hasDouble = true }
        }
        let quote: Unicode.Scalar = hasSingle && !hasDouble ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case quote, "\\":
                out.append("\\")
                out.unicodeScalars.append(scalar)
            case "\t": out.append("\\t")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out.append("\\x" + hex(scalar.value, width: 2))
                } else if scalar.value < 0x7F || isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value <= 0xFF {
                    out.append("\\x" + hex(scalar.value, width: 2))
                } else if scalar.value <= 0xFFFF {
                    out.append("\\u" + hex(scalar.value, width: 4))
                } else {
                    out.append("\\U" + hex(scalar.value, width: 8))
                }
            }
        }
        out.unicodeScalars.append(quote)
        return out
    }

    /// `repr(bytes)`: `b'…'` with `\xNN` for everything outside printable ASCII.
    package static func bytes<C: Collection>(_ data: C) -> String where C.Element == UInt8 {
        var hasSingle = false
        var hasDouble = false
        for u in data {
            if u == UInt8(ascii: "'") { hasSingle = true } else if u == UInt8(ascii: "\"") { hasDouble = true }
        }
        let quote: UInt8 = hasSingle && !hasDouble ? UInt8(ascii: "\"") : UInt8(ascii: "'")
        var out: [UInt8] = [UInt8(ascii: "b"), quote]
        out.reserveCapacity(data.count + 3)
        let digits = Array("0123456789abcdef".utf8)
        for b in data {
            switch b {
            case quote, UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(b)
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x20..<0x7F: out.append(b)
            default:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "x"), digits[Int(b >> 4)], digits[Int(b & 15)]])
            }
        }
        out.append(quote)
        return String(decoding: out, as: UTF8.self)
    }

    /// `str.isprintable()` for one non-ASCII character: not a control, format, surrogate,
    /// private-use, unassigned or separator character (the space itself is printable).
    package static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
            return false
        case .spaceSeparator:
            return scalar == " "
        default:
            return true
        }
    }

    private static func hex(_ v: UInt32, width: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    // MARK: Python objects from JSON

    /// `repr(x)` of the object `json.loads` produced.
    package static func repr(_ value: JSONValue) -> String {
        var out = ""
        appendRepr(value, to: &out)
        return out
    }

    /// `str(x)`: like `repr` except that a top-level string is itself.
    package static func str(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return repr(value)
    }

    package static func appendRepr(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out.append("None")
        case .bool(let b): out.append(b ? "True" : "False")
        case .int(let i): out.append(String(i))
        case .bigInt(let digits): out.append(digits)
        case .double(let d): out.append(float(d))
        case .string(let s): out.append(string(s))
        case .array(let items):
            out.append("[")
            for (k, item) in items.enumerated() {
                if k > 0 { out.append(", ") }
                appendRepr(item, to: &out)
            }
            out.append("]")
        case .object(let object):
            out.append("{")
            for (k, (key, item)) in object.pairs.enumerated() {
                if k > 0 { out.append(", ") }
                out.append(string(key))
                out.append(": ")
                appendRepr(item, to: &out)
            }
            out.append("}")
        }
    }

    /// `repr(list_of_names)` for column lists in messages (`['a', 'b']`, `[0, 1]`).
    package static func list(_ items: [JSONValue]) -> String { repr(.array(items)) }
}
