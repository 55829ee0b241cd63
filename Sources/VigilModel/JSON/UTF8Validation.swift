/// Where and why bytes are not UTF-8, reported the way CPython's decoder reports it
/// (`UnicodeDecodeError('utf-8', data, start, end, reason)`).
package struct UTF8DecodeError: Error, Sendable, Equatable {
    package var start: Int
    package var end: Int
    package var reason: String
}

package enum UTF8Validation {
    /// Checks `bytes` the way `bytes.decode("utf-8", errors)` does.
    ///
    /// - Parameter surrogatePass: accept encoded surrogates (`ED A0..BF xx`), as `json.loads` does
    ///   with its `surrogatepass` handler.
    package static func validate(_ bytes: UnsafeRawBufferPointer, surrogatePass: Bool) -> UTF8DecodeError? {
        let n = bytes.count
        var i = 0
        while i < n {
            // ASCII runs, eight bytes at a time.
            while i + 8 <= n, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
            }
            if i >= n { break }
            let c = bytes[i]
            if c < 0x80 {
                i += 1
                continue
            }
            if c < 0xC2 {
                return UTF8DecodeError(start: i, end: i + 1, reason: "invalid start byte")
            }
            if c < 0xE0 {
                if n - i < 2 { return UTF8DecodeError(start: i, end: n, reason: "unexpected end of data") }
                if !isContinuation(bytes[i + 1]) { return invalidContinuation(i, 1) }
                i += 2
                continue
            }
            if c < 0xF0 {
                let encodedSurrogate = c == 0xED && n - i >= 2 && bytes[i + 1] >= 0xA0 && bytes[i + 1] <= 0xBF
                if n - i < 3 {
                    if n - i >= 2 {
                        let c2 = bytes[i + 1]
                        if !isContinuation(c2) || (c2 < 0xA0 ? c == 0xE0 : c == 0xED) {
                            // CPython's surrogatepass handler only looks at complete three-byte sequences.
                            return invalidContinuation(i, 1)
                        }
                    }
                    return UTF8DecodeError(start: i, end: n, reason: "unexpected end of data")
                }
                let c2 = bytes[i + 1]
                let c3 = bytes[i + 2]
                if !isContinuation(c2) { return invalidContinuation(i, 1) }
                if c == 0xE0 && c2 < 0xA0 { return invalidContinuation(i, 1) }
                if c == 0xED && c2 >= 0xA0 {
                    if surrogatePass && encodedSurrogate && isContinuation(c3) {
                        i += 3
                        continue
                    }
                    return invalidContinuation(i, 1)
                }
                if !isContinuation(c3) { return invalidContinuation(i, 2) }
                i += 3
                continue
            }
            if c < 0xF5 {
                if n - i < 4 {
                    if n - i >= 2 {
                        let c2 = bytes[i + 1]
                        if !isContinuation(c2) || (c2 < 0x90 ? c == 0xF0 : c == 0xF4) {
                            return invalidContinuation(i, 1)
                        }
                        if n - i >= 3 && !isContinuation(bytes[i + 2]) {
                            return invalidContinuation(i, 2)
                        }
                    }
                    return UTF8DecodeError(start: i, end: n, reason: "unexpected end of data")
                }
                let c2 = bytes[i + 1]
                if !isContinuation(c2) { return invalidContinuation(i, 1) }
                if c == 0xF0 && c2 < 0x90 { return invalidContinuation(i, 1) }
                if c == 0xF4 && c2 >= 0x90 { return invalidContinuation(i, 1) }
                if !isContinuation(bytes[i + 2]) { return invalidContinuation(i, 2) }
                if !isContinuation(bytes[i + 3]) { return invalidContinuation(i, 3) }
                i += 4
                continue
            }
            return UTF8DecodeError(start: i, end: i + 1, reason: "invalid start byte")
        }
        return nil
    }

    @inline(__always)
    private static func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }

    private static func invalidContinuation(_ start: Int, _ length: Int) -> UTF8DecodeError {
        UTF8DecodeError(start: start, end: start + length, reason: "invalid continuation byte")
    }

    /// The number of code points in `bytes[0..<offset]` (valid UTF-8 assumed): Python's string index.
    package static func codePointCount(_ bytes: UnsafeRawBufferPointer, upTo offset: Int) -> Int {
        var count = 0
        for i in 0..<min(offset, bytes.count) where bytes[i] & 0xC0 != 0x80 {
            count += 1
        }
        return count
    }
}
