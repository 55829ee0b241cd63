/// Reads a JSON document (RFC 8259, plus the `NaN`, `Infinity` and `-Infinity` that XGBoost's
/// own reader accepts) into `ModelJSON`.
///
/// Numbers are parsed from their text twice, to double and straight to float32 with the C
/// library's correctly rounded `strtof` (Swift's `Float(_:)`), so thresholds come out exactly as
/// XGBoost's reader gets them. Foundation's JSONSerialization is avoided: it goes through double.
/// Nesting is limited; every read is bounds-checked.
package struct JSONModelReader {
    package var limits: ModelJSONLimits

    package init(limits: ModelJSONLimits = ModelJSONLimits()) {
        self.limits = limits
    }

    package func parse(_ bytes: [UInt8]) throws(ModelFileError) -> ModelJSON {
        do {
            return try bytes.withUnsafeBytes { raw in
                var cursor = TextCursor(bytes: raw, limits: limits)
                if raw.starts(with: [0xEF, 0xBB, 0xBF]) { cursor.offset = 3 }  // UTF-8 byte order mark
                let value = try cursor.value(depth: 0)
                cursor.skipSpace()
                guard cursor.offset == raw.count else {
                    throw ModelFileError.malformed(offset: cursor.offset, reason: "text after the document")
                }
                return value
            }
        } catch let error as ModelFileError {
            throw error
        } catch {
            throw ModelFileError.malformed(offset: 0, reason: "\(error)")
        }
    }
}

private struct TextCursor {
    let bytes: UnsafeRawBufferPointer
    let limits: ModelJSONLimits
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, limits: ModelJSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    func fail(_ reason: String, at position: Int? = nil) -> ModelFileError {
        .malformed(offset: position ?? offset, reason: reason)
    }

    mutating func skipSpace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    func peek() throws(ModelFileError) -> UInt8 {
        guard offset < bytes.count else { throw fail("unexpected end of text") }
        return bytes[offset]
    }

    mutating func expect(_ literal: String) throws(ModelFileError) {
        let start = offset
        for c in literal.utf8 {
            guard offset < bytes.count, bytes[offset] == c else { throw fail("expected \(literal)", at: start) }
            offset += 1
        }
    }

    mutating func value(depth: Int) throws(ModelFileError) -> ModelJSON {
        skipSpace()
        switch try peek() {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null")
            return .null
        case UInt8(ascii: "N"):
            try expect("NaN")
            return .number(.nan, float: .nan)
        case UInt8(ascii: "I"):
            try expect("Infinity")
            return .number(.infinity, float: .infinity)
        default:
            return try number()
        }
    }

    mutating func array(depth: Int) throws(ModelFileError) -> ModelJSON {
        guard depth <= limits.maxDepth else {
            throw ModelFileError.limitExceeded("nesting deeper than \(limits.maxDepth) at byte \(offset)")
        }
        offset += 1  // [
        var items: [ModelJSON] = []
        skipSpace()
        if try peek() == UInt8(ascii: "]") {
            offset += 1
            return .array(items)
        }
        while true {
            guard items.count < limits.maxCount else {
                throw ModelFileError.limitExceeded("an array of more than \(limits.maxCount) elements")
            }
            items.append(try value(depth: depth))
            skipSpace()
            switch try peek() {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"):
                offset += 1
                return .array(items)
            default: throw fail("expected , or ] in an array")
            }
        }
    }

    mutating func object(depth: Int) throws(ModelFileError) -> ModelJSON {
        guard depth <= limits.maxDepth else {
            throw ModelFileError.limitExceeded("nesting deeper than \(limits.maxDepth) at byte \(offset)")
        }
        offset += 1  // {
        var fields: [String: ModelJSON] = [:]
        skipSpace()
        if try peek() == UInt8(ascii: "}") {
            offset += 1
            return .object(fields)
        }
        while true {
            skipSpace()
            let position = offset
            guard try peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let key = try string()
            skipSpace()
            guard try peek() == UInt8(ascii: ":") else { throw fail("expected : after a key") }
            offset += 1
            let v = try value(depth: depth)
            guard fields.updateValue(v, forKey: key) == nil else { throw fail("duplicate key \"\(key)\"", at: position) }
            guard fields.count <= limits.maxCount else {
                throw ModelFileError.limitExceeded("an object of more than \(limits.maxCount) fields")
            }
            skipSpace()
            switch try peek() {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"):
                offset += 1
                return .object(fields)
            default: throw fail("expected , or } in an object")
            }
        }
    }

    mutating func string() throws(ModelFileError) -> String {
        let start = offset
        offset += 1  // "
        var utf8: [UInt8] = []
        while true {
            guard offset < bytes.count else { throw fail("unterminated string", at: start) }
            let c = bytes[offset]
            offset += 1
            switch c {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard offset < bytes.count else { throw fail("unterminated string", at: start) }
                let e = bytes[offset]
                offset += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(e)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A high surrogate must be followed by a low one.
                        try expect("\\u")
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate in a string") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let s = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                    utf8.append(contentsOf: String(Character(s)).utf8)
                default: throw fail("invalid escape in a string", at: offset - 2)
                }
            case 0..<0x20:
                throw fail("control character in a string", at: offset - 1)
            default:
                utf8.append(c)
            }
        }
    }

    mutating func hex4() throws(ModelFileError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard offset < bytes.count else { throw fail("unterminated \\u escape") }
            let c = bytes[offset]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | digit
            offset += 1
        }
        return v
    }

    /// A number per the JSON grammar; integers without fraction or exponent stay integers.
    mutating func number() throws(ModelFileError) -> ModelJSON {
        let start = offset
        func digits() -> Int {
            let from = offset
            while offset < bytes.count, bytes[offset] >= UInt8(ascii: "0"), bytes[offset] <= UInt8(ascii: "9") {
                offset += 1
            }
            return offset - from
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "-") {
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "I") {
                try expect("Infinity")
                return .number(-.infinity, float: -.infinity)
            }
        }
        guard digits() > 0 else { throw fail("invalid value", at: start) }
        var integral = true
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            integral = false
            guard digits() > 0 else { throw fail("expected digits after the decimal point") }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
            offset += 1
            integral = false
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") {
                offset += 1
            }
            guard digits() > 0 else { throw fail("expected digits in the exponent") }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        if integral, let i = Int64(text) { return .int(i) }
        guard let d = Double(text), let f = Float(text) else { throw fail("invalid number \(text)", at: start) }
        return .number(d, float: f)
    }
}
