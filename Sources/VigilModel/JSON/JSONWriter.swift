/// Writes JSON the way Python's `json.dumps` does with its defaults: `", "` and `": "` separators,
/// `ensure_ascii` escapes, floats as `repr`, and the bare `NaN` / `Infinity` / `-Infinity`.
package struct JSONWriter {
    package var bytes: [UInt8] = []

    package init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    package mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    package mutating func raw(_ s: String) {
        bytes.append(contentsOf: s.utf8)
    }

    package mutating func double(_ x: Double) {
        if x.isNaN {
            raw("NaN")
        } else if x.isInfinite {
            raw(x < 0 ? "-Infinity" : "Infinity")
        } else if PythonRepr.swiftDescriptionMatches(x) {
            bytes.append(contentsOf: x.description.utf8)
        } else {
            var s = ""
            PythonRepr.appendFloat(x, to: &s)
            bytes.append(contentsOf: s.utf8)
        }
    }

    package mutating func int(_ v: Int64) {
        if v >= 0 && v < 10 {
            bytes.append(UInt8(truncatingIfNeeded: v) + 48)
        } else {
            bytes.append(contentsOf: String(v).utf8)
        }
    }

    /// A JSON string with `ensure_ascii=True`: non-ASCII as `\uXXXX` (surrogate pairs above U+FFFF).
    package mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x22: raw("\\\"")
            case 0x5C: raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0x20..<0x7F, 0x7F: bytes.append(UInt8(v))
            case 0..<0x20: escape(v)
            case 0x80..<0x10000: escape(v)
            default:
                let u = v - 0x10000
                escape(0xD800 | (u >> 10))
                escape(0xDC00 | (u & 0x3FF))
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ v: UInt32) {
        let digits: StaticString = "0123456789abcdef"
        raw("\\u")
        digits.withUTF8Buffer { d in
            bytes.append(d[Int(v >> 12 & 15)])
            bytes.append(d[Int(v >> 8 & 15)])
            bytes.append(d[Int(v >> 4 & 15)])
            bytes.append(d[Int(v & 15)])
        }
    }

    /// Any value `json.loads` can produce, as `json.dumps` writes it back.
    package mutating func value(_ v: JSONValue) {
        switch v {
        case .null: raw("null")
        case .bool(let b): raw(b ? "true" : "false")
        case .int(let i): int(i)
        case .bigInt(let digits): raw(digits)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (k, item) in items.enumerated() {
                if k > 0 { raw(", ") }
                value(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (k, (key, item)) in object.pairs.enumerated() {
                if k > 0 { raw(", ") }
                string(key)
                raw(": ")
                value(item)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }
}
