/// `json.loads(body)` for a request body: encoding detection, decoding, parsing, and the exception
/// Python raises when any of it fails.
package enum JSONDocument {
    /// Why `json.loads` failed, with the `repr` of the exception it raised.
    package struct LoadError: Error, Sendable, Equatable {
        /// `repr(exception)`, e.g. `JSONDecodeError('Expecting value: line 1 column 1 (char 0)')`.
        package var pythonRepr: String
        /// MLflow only catches `JSONDecodeError` and `UnicodeDecodeError`; anything else (deep
        /// nesting, 4300-digit integers) escapes as a 500.
        package var caughtByMLflow: Bool
    }

    /// Parses `body` exactly as `json.loads(bytes)` does.
    package static func load(_ body: UnsafeRawBufferPointer) throws(LoadError) -> JSONValue {
        switch encoding(of: body) {
        case .utf8(let skip):
            let text = UnsafeRawBufferPointer(rebasing: body[skip...])
            if let e = UTF8Validation.validate(text, surrogatePass: true) {
                throw LoadError(pythonRepr: unicodeErrorRepr("utf-8", text, e), caughtByMLflow: true)
            }
            return try parse(text)
        case .other(let name, let transcoded):
            guard let utf8 = transcoded else {
                throw LoadError(
                    pythonRepr: "UnicodeDecodeError('\(name)', \(PythonRepr.bytes(body)), 0, \(body.count), 'truncated data')",
                    caughtByMLflow: true)
            }
            let result = utf8.withUnsafeBytes { text in Result { () throws(LoadError) in try parse(text) } }
            return try result.get()
        }
    }

    /// The Python exception repr for `body`, or nil when `json.loads` accepts it (tests and tools).
    package static func decodeError(of body: UnsafeRawBufferPointer) -> String? {
        do {
            _ = try load(body)
            return nil
        } catch {
            return error.pythonRepr
        }
    }

    private static func parse(_ text: UnsafeRawBufferPointer) throws(LoadError) -> JSONValue {
        do {
            return try JSONReader.parseDocument(text)
        } catch {
            throw loadError(error, in: text)
        }
    }

    /// The Python exception for a syntax error found in the UTF-8 `text`.
    package static func loadError(_ error: JSONSyntaxError, in text: UnsafeRawBufferPointer) -> LoadError {
        switch error.kind {
        case .tooDeep:
            return LoadError(
                pythonRepr: "RecursionError('maximum recursion depth exceeded while decoding a JSON array from a unicode string')",
                caughtByMLflow: false)
        case .integerTooLong:
            return LoadError(
                pythonRepr: "ValueError('Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit')",
                caughtByMLflow: false)
        default:
            let pos = UTF8Validation.codePointCount(text, upTo: error.offset)
            var line = 1
            var lastNewline = -1
            var cp = 0
            for i in 0..<min(error.offset, text.count) where text[i] & 0xC0 != 0x80 {
                if text[i] == 0x0A {
                    line += 1
                    lastNewline = cp
                }
                cp += 1
            }
            let column = pos - lastNewline
            let message = "\(error.kind.rawValue): line \(line) column \(column) (char \(pos))"
            return LoadError(pythonRepr: "JSONDecodeError(\(PythonRepr.string(message)))", caughtByMLflow: true)
        }
    }

    package static func unicodeErrorRepr(_ codec: String, _ data: UnsafeRawBufferPointer, _ e: UTF8DecodeError) -> String {
        "UnicodeDecodeError('\(codec)', \(PythonRepr.bytes(data)), \(e.start), \(e.end), '\(e.reason)')"
    }

    private enum Encoding {
        /// UTF-8, after skipping a byte-order mark of `skip` bytes.
        case utf8(skip: Int)
        /// UTF-16 or UTF-32: the codec name and the text re-encoded as UTF-8 (nil if undecodable).
        case other(String, [UInt8]?)
    }

    /// `json.detect_encoding`.
    private static func encoding(of b: UnsafeRawBufferPointer) -> Encoding {
        let n = b.count
        func starts(_ prefix: [UInt8]) -> Bool { n >= prefix.count && zip(b, prefix).allSatisfy { $0 == $1 } }
        if starts([0x00, 0x00, 0xFE, 0xFF]) { return .other("utf-32", transcode(b, from: 4, width: 4, bigEndian: true)) }
        if starts([0xFF, 0xFE, 0x00, 0x00]) { return .other("utf-32", transcode(b, from: 4, width: 4, bigEndian: false)) }
        if starts([0xFE, 0xFF]) { return .other("utf-16", transcode(b, from: 2, width: 2, bigEndian: true)) }
        if starts([0xFF, 0xFE]) { return .other("utf-16", transcode(b, from: 2, width: 2, bigEndian: false)) }
        if starts([0xEF, 0xBB, 0xBF]) { return .utf8(skip: 3) }
        if n >= 4 {
            if b[0] == 0 {
                return b[1] != 0
                    ? .other("utf-16-be", transcode(b, from: 0, width: 2, bigEndian: true))
                    : .other("utf-32-be", transcode(b, from: 0, width: 4, bigEndian: true))
            }
            if b[1] == 0 {
                return b[2] != 0 || b[3] != 0
                    ? .other("utf-16-le", transcode(b, from: 0, width: 2, bigEndian: false))
                    : .other("utf-32-le", transcode(b, from: 0, width: 4, bigEndian: false))
            }
        } else if n == 2 {
            if b[0] == 0 { return .other("utf-16-be", transcode(b, from: 0, width: 2, bigEndian: true)) }
            if b[1] == 0 { return .other("utf-16-le", transcode(b, from: 0, width: 2, bigEndian: false)) }
        }
        return .utf8(skip: 0)
    }

    private static func transcode(_ b: UnsafeRawBufferPointer, from start: Int, width: Int, bigEndian: Bool) -> [UInt8]? {
        guard (b.count - start) % width == 0 else { return nil }
        var units: [UInt32] = []
        var i = start
        while i < b.count {
            var v: UInt32 = 0
            for k in 0..<width {
                let byte = UInt32(b[i + (bigEndian ? k : width - 1 - k)])
                v = v << 8 | byte
            }
            units.append(v)
            i += width
        }
        var scalars = String.UnicodeScalarView()
        if width == 4 {
            for u in units {
                guard let s = Unicode.Scalar(u) else { return nil }
                scalars.append(s)
            }
        } else {
            var iterator = units.map { UInt16($0) }.makeIterator()
            var decoder = UTF16()
            loop: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let s): scalars.append(s)
                case .emptyInput: break loop
                case .error: return nil
                }
            }
        }
        return Array(String(scalars).utf8)
    }
}
