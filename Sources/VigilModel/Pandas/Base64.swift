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
