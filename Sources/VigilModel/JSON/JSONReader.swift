/// A syntax error as CPython's `json` module reports it: its message and the byte offset it names.
package struct JSONSyntaxError: Error, Sendable, Equatable {
    package enum Kind: String, Sendable {
        case expectingValue = "Expecting value"
        case expectingPropertyName = "Expecting property name enclosed in double quotes"
        case expectingColon = "Expecting ':' delimiter"
        case expectingComma = "Expecting ',' delimiter"
        case unterminatedString = "Unterminated string starting at"
        case invalidControlCharacter = "Invalid control character at"
        case invalidEscape = "Invalid \\escape"
        case invalidUnicodeEscape = "Invalid \\uXXXX escape"
        case extraData = "Extra data"
        /// Nesting deeper than Python's recursion limit: a `RecursionError`, which MLflow does not catch.
        case tooDeep = "maximum recursion depth exceeded"
        /// An integer literal over Python's 4300-digit limit: a `ValueError` MLflow does not catch.
        case integerTooLong = "Exceeds the limit (4300 digits) for integer string conversion"
    }

    package var kind: Kind
    /// Byte offset into the document the error points at.
    package var offset: Int
}

/// A recursive-descent JSON reader over raw bytes that accepts exactly what `json.loads` accepts
/// (including `NaN`, `Infinity`, `-Infinity`) and fails where it fails, with the same message.
///
/// The bytes must already be valid UTF-8 (`UTF8Validation`); positions are byte offsets.
package struct JSONReader {
    package let bytes: UnsafeRawBufferPointer
    package var index: Int
    private var depth = 0

    /// Python's recursion limit (1000) minus the frames already on the stack when MLflow calls
    /// `json.loads` from its worker thread: 987 levels parse, 988 raise RecursionError (measured).
    package static let maxDepth = 987

    package init(_ bytes: UnsafeRawBufferPointer, index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    /// Parses a whole document the way `json.loads` does: one value, surrounded by whitespace only.
    package static func parseDocument(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSONValue {
        var reader = JSONReader(bytes)
        reader.skipWhitespace()
        let value = try reader.parseValue()
        reader.skipWhitespace()
        if reader.index != bytes.count { throw JSONSyntaxError(kind: .extraData, offset: reader.index) }
        return value
    }

    @inline(__always)
    package mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    @inline(__always)
    package func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    /// `scan_once`: one value starting exactly at `index` (no leading whitespace).
    package mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        guard index < bytes.count else { throw JSONSyntaxError(kind: .expectingValue, offset: index) }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "{"):
            return .object(try parseObject())
        case UInt8(ascii: "["):
            return .array(try parseArray())
        case UInt8(ascii: "n"):
            if matches("null") {
                index += 4
                return .null
            }
        case UInt8(ascii: "t"):
            if matches("true") {
                index += 4
                return .bool(true)
            }
        case UInt8(ascii: "f"):
            if matches("false") {
                index += 5
                return .bool(false)
            }
        case UInt8(ascii: "N"):
            if matches("NaN") {
                index += 3
                return .double(.nan)
            }
        case UInt8(ascii: "I"):
            if matches("Infinity") {
                index += 8
                return .double(.infinity)
            }
        case UInt8(ascii: "-"):
            if matches("-Infinity") {
                index += 9
                return .double(-.infinity)
            }
        default:
            break
        }
        return try parseNumber()
    }

    @inline(__always)
    private func matches(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard index + n <= bytes.count else { return false }
        let w = word.utf8Start
        for k in 1..<n where bytes[index + k] != w[k] { return false }
        return true
    }

    /// `_match_number_unicode`: the extent of a number literal, then `int()` or `float()` of it.
    package mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        guard let number = JSONNumber.scan(bytes, start) else {
            throw JSONSyntaxError(kind: .expectingValue, offset: start)
        }
        index = number.end
        if number.isFloat { return .double(number.double) }
        if number.fitsInt64 { return .int(number.int) }
        guard case .big(let digits) = JSONNumber.integer(bytes, start, number.end) else {
            return .int(number.int)
        }
        if digits.utf8.count - (digits.hasPrefix("-") ? 1 : 0) > 4300 {
            throw JSONSyntaxError(kind: .integerTooLong, offset: start)
        }
        return .bigInt(digits)
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > Self.maxDepth { throw JSONSyntaxError(kind: .tooDeep, offset: index) }
    }

    /// `_parse_array_unicode`, with `index` on the `[`.
    package mutating func parseArray() throws(JSONSyntaxError) -> [JSONValue] {
        try enter()
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        var result: [JSONValue] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return result
        }
        while true {
            result.append(try parseValue())
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return result
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else {
                throw JSONSyntaxError(kind: .expectingComma, offset: index)
            }
            index += 1
            skipWhitespace()
        }
    }

    /// `_parse_object_unicode`, with `index` on the `{`.
    package mutating func parseObject() throws(JSONSyntaxError) -> JSONObject {
        try enter()
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        var result = JSONObject()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return result
        }
        while true {
            let key = try parseKey()
            result[key] = try parseValue()
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return result
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else {
                throw JSONSyntaxError(kind: .expectingComma, offset: index)
            }
            index += 1
            skipWhitespace()
        }
    }

    /// A property name and its `:`, leaving `index` on the value.
    package mutating func parseKey() throws(JSONSyntaxError) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw JSONSyntaxError(kind: .expectingPropertyName, offset: index)
        }
        let key = try parseString()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
            throw JSONSyntaxError(kind: .expectingColon, offset: index)
        }
        index += 1
        skipWhitespace()
        return key
    }

    /// Skips the value at `index` without building it, with the same errors `parseValue` throws.
    package mutating func skipValue() throws(JSONSyntaxError) {
        _ = try parseValue()
    }

    /// `scanstring_unicode`, with `index` on the opening quote.
    package mutating func parseString() throws(JSONSyntaxError) -> String {
        let begin = index
        var i = index + 1
        let n = bytes.count
        // Fast path: no escapes.
        while i < n {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                index = i + 1
                return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(begin + 1)..<i]), as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") { break }
            if c <= 0x1F { throw JSONSyntaxError(kind: .invalidControlCharacter, offset: i) }
            i += 1
        }
        if i >= n { throw JSONSyntaxError(kind: .unterminatedString, offset: begin) }
        var out: [UInt8] = Array(UnsafeRawBufferPointer(rebasing: bytes[(begin + 1)..<i]))
        while true {
            // Here bytes[i] is a backslash.
            i += 1
            if i == n { throw JSONSyntaxError(kind: .unterminatedString, offset: begin) }
            let e = bytes[i]
            if e != UInt8(ascii: "u") {
                let decoded: UInt8
                switch e {
                case UInt8(ascii: "\""): decoded = e
                case UInt8(ascii: "\\"): decoded = e
                case UInt8(ascii: "/"): decoded = e
                case UInt8(ascii: "b"): decoded = 0x08
                case UInt8(ascii: "f"): decoded = 0x0C
                case UInt8(ascii: "n"): decoded = 0x0A
                case UInt8(ascii: "r"): decoded = 0x0D
                case UInt8(ascii: "t"): decoded = 0x09
                default: throw JSONSyntaxError(kind: .invalidEscape, offset: i - 1)
                }
                out.append(decoded)
                i += 1
            } else {
                i += 1
                // CPython wants the four digits and at least one more character after them.
                guard hasCodePoints(from: i, count: 5) else {
                    throw JSONSyntaxError(kind: .invalidUnicodeEscape, offset: i - 1)
                }
                guard let c = hex4(at: i) else { throw JSONSyntaxError(kind: .invalidUnicodeEscape, offset: i - 1) }
                i += 4
                var scalar = c
                if c >= 0xD800 && c <= 0xDBFF && hasCodePoints(from: i, count: 7)
                    && bytes[i] == UInt8(ascii: "\\") && bytes[i + 1] == UInt8(ascii: "u")
                {
                    guard let c2 = hex4(at: i + 2) else {
                        throw JSONSyntaxError(kind: .invalidUnicodeEscape, offset: i + 1)
                    }
                    if c2 >= 0xDC00 && c2 <= 0xDFFF {
                        scalar = 0x10000 + ((c - 0xD800) << 10) + (c2 - 0xDC00)
                        i += 6
                    }
                }
                appendUTF8(scalar, to: &out)
            }
            // Copy up to the next quote or backslash.
            let chunk = i
            while i < n {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { break }
                if c <= 0x1F { throw JSONSyntaxError(kind: .invalidControlCharacter, offset: i) }
                i += 1
            }
            if i >= n { throw JSONSyntaxError(kind: .unterminatedString, offset: begin) }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[chunk..<i]))
            if bytes[i] == UInt8(ascii: "\"") {
                index = i + 1
                return String(decoding: out, as: UTF8.self)
            }
        }
    }

    private func hasCodePoints(from start: Int, count: Int) -> Bool {
        var seen = 0
        var i = start
        while i < bytes.count {
            if bytes[i] & 0xC0 != 0x80 {
                seen += 1
                if seen == count { return true }
            }
            i += 1
        }
        return false
    }

    private func hex4(at i: Int) -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            let b = bytes[i + k]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }

    /// Appends `scalar` as UTF-8; a lone surrogate (which Python keeps but Swift strings cannot hold)
    /// becomes U+FFFD.
    private func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
        var buffer: [UInt8] = []
        UTF8.encode(s) { buffer.append($0) }
        out.append(contentsOf: buffer)
    }
}
