/// Reads Universal Binary JSON (draft 12) as XGBoost writes it (`model.ubj`).
///
/// Supported: `Z N T F i U I l L d D C S [ ] { }` with big-endian numbers, and optimized
/// containers (`#count` and `$type#count`) for arrays and objects. Typed arrays of numbers
/// become compact `.floats`, `.doubles` or `.integers`. Not supported (XGBoost writes none):
/// high-precision numbers `H` and typed containers of containers or of zero-size markers.
///
/// Every read is bounds-checked. A declared count must fit in the bytes that remain (so a
/// hostile count cannot allocate), nesting is limited, and trailing bytes are an error.
package struct UBJSONReader {
    package var limits: ModelJSONLimits

    package init(limits: ModelJSONLimits = ModelJSONLimits()) {
        self.limits = limits
    }

    package func parse(_ bytes: [UInt8]) throws(ModelFileError) -> ModelJSON {
        do {
            return try bytes.withUnsafeBytes { raw in
                var cursor = Cursor(bytes: raw, limits: limits)
                let value = try cursor.value(depth: 0)
                cursor.skipNoOps()
                guard cursor.offset == raw.count else {
                    throw ModelFileError.malformed(offset: cursor.offset, reason: "bytes after the document")
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

private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    let limits: ModelJSONLimits
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, limits: ModelJSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    var remaining: Int { bytes.count - offset }

    func fail(_ reason: String, at position: Int? = nil) -> ModelFileError {
        .malformed(offset: position ?? offset, reason: reason)
    }

    mutating func byte() throws(ModelFileError) -> UInt8 {
        guard offset < bytes.count else { throw fail("unexpected end of data") }
        defer { offset += 1 }
        return bytes[offset]
    }

    func peek() throws(ModelFileError) -> UInt8 {
        guard offset < bytes.count else { throw fail("unexpected end of data") }
        return bytes[offset]
    }

    mutating func skipNoOps() {
        while offset < bytes.count && bytes[offset] == UInt8(ascii: "N") { offset += 1 }
    }

    /// `count` bytes as a big-endian unsigned integer (count ≤ 8).
    mutating func bigEndian(_ count: Int) throws(ModelFileError) -> UInt64 {
        guard remaining >= count else { throw fail("unexpected end of data") }
        var v: UInt64 = 0
        for i in 0..<count { v = v << 8 | UInt64(bytes[offset + i]) }
        offset += count
        return v
    }

    /// The payload of a number whose marker is `marker`, or nil if `marker` is no number.
    mutating func number(_ marker: UInt8) throws(ModelFileError) -> ModelJSON? {
        switch marker {
        case UInt8(ascii: "i"): return .int(Int64(Int8(truncatingIfNeeded: try bigEndian(1))))
        case UInt8(ascii: "U"): return .int(Int64(try bigEndian(1)))
        case UInt8(ascii: "I"): return .int(Int64(Int16(truncatingIfNeeded: try bigEndian(2))))
        case UInt8(ascii: "l"): return .int(Int64(Int32(truncatingIfNeeded: try bigEndian(4))))
        case UInt8(ascii: "L"): return .int(Int64(bitPattern: try bigEndian(8)))
        case UInt8(ascii: "C"): return .int(Int64(try bigEndian(1)))
        case UInt8(ascii: "d"):
            let f = Float(bitPattern: UInt32(try bigEndian(4)))
            return .number(Double(f), float: f)
        case UInt8(ascii: "D"):
            let d = Double(bitPattern: try bigEndian(8))
            return .number(d, float: Float(d))
        default: return nil
        }
    }

    /// An integer with its marker: a length or a count.
    mutating func length() throws(ModelFileError) -> Int {
        let start = offset
        let marker = try byte()
        guard let value = try number(marker), case .int(let n) = value else {
            throw fail("expected an integer length", at: start)
        }
        guard n >= 0 else { throw fail("negative length \(n)", at: start) }
        guard n <= Int64(limits.maxCount) else {
            throw ModelFileError.limitExceeded("a length of \(n) at byte \(start) (limit \(limits.maxCount))")
        }
        return Int(n)
    }

    mutating func string() throws(ModelFileError) -> String {
        let n = try length()
        guard remaining >= n else { throw fail("string of \(n) bytes runs past the end") }
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n]), as: UTF8.self)
        offset += n
        return s
    }

    mutating func value(depth: Int) throws(ModelFileError) -> ModelJSON {
        skipNoOps()
        let start = offset
        return try value(marker: try byte(), depth: depth, start: start)
    }

    mutating func value(marker: UInt8, depth: Int, start: Int) throws(ModelFileError) -> ModelJSON {
        if let n = try number(marker) { return n }
        switch marker {
        case UInt8(ascii: "Z"): return .null
        case UInt8(ascii: "T"): return .bool(true)
        case UInt8(ascii: "F"): return .bool(false)
        case UInt8(ascii: "S"): return .string(try string())
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "H"): throw ModelFileError.unsupported("UBJSON high-precision numbers (byte \(start))")
        default: throw fail("unknown marker 0x\(String(marker, radix: 16))", at: start)
        }
    }

    /// The `$type` and `#count` of an optimized container, if present.
    mutating func containerHeader() throws(ModelFileError) -> (type: UInt8?, count: Int?) {
        var type: UInt8?
        if try peek() == UInt8(ascii: "$") {
            offset += 1
            type = try byte()
            guard try peek() == UInt8(ascii: "#") else { throw fail("a typed container needs a count") }
        }
        guard try peek() == UInt8(ascii: "#") else { return (type, nil) }
        offset += 1
        return (type, try length())
    }

    mutating func array(depth: Int) throws(ModelFileError) -> ModelJSON {
        guard depth <= limits.maxDepth else {
            throw ModelFileError.limitExceeded("nesting deeper than \(limits.maxDepth) at byte \(offset)")
        }
        let (type, count) = try containerHeader()
        if let type, let count {
            return try typedArray(type: type, count: count, depth: depth)
        }
        var items: [ModelJSON] = []
        if let count {
            // Every element takes at least one byte.
            guard count <= remaining else { throw fail("array of \(count) elements runs past the end") }
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(try value(depth: depth)) }
            return .array(items)
        }
        while true {
            skipNoOps()
            if try peek() == UInt8(ascii: "]") {
                offset += 1
                return .array(items)
            }
            guard items.count < limits.maxCount else {
                throw ModelFileError.limitExceeded("an array of more than \(limits.maxCount) elements")
            }
            items.append(try value(depth: depth))
        }
    }

    mutating func typedArray(type: UInt8, count: Int, depth: Int) throws(ModelFileError) -> ModelJSON {
        let width: Int
        switch type {
        case UInt8(ascii: "i"), UInt8(ascii: "U"), UInt8(ascii: "C"): width = 1
        case UInt8(ascii: "I"): width = 2
        case UInt8(ascii: "l"), UInt8(ascii: "d"): width = 4
        case UInt8(ascii: "L"), UInt8(ascii: "D"): width = 8
        case UInt8(ascii: "S"):
            // Each string takes at least a marker and a length byte.
            guard count <= remaining / 2 else { throw fail("array of \(count) strings runs past the end") }
            var items: [ModelJSON] = []
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(.string(try string())) }
            return .array(items)
        default:
            throw ModelFileError.unsupported(
                "UBJSON typed arrays of '\(Character(Unicode.Scalar(type)))' (byte \(offset))")
        }
        guard count <= remaining / width else {
            throw fail("typed array of \(count) elements runs past the end")
        }
        let base = offset
        offset += count * width
        switch type {
        case UInt8(ascii: "d"):
            return .floats((0..<count).map { Float(bitPattern: load(UInt32.self, base + $0 * 4).bigEndian) })
        case UInt8(ascii: "D"):
            return .doubles((0..<count).map { Double(bitPattern: load(UInt64.self, base + $0 * 8).bigEndian) })
        case UInt8(ascii: "i"):
            return .integers((0..<count).map { Int64(Int8(bitPattern: bytes[base + $0])) })
        case UInt8(ascii: "U"), UInt8(ascii: "C"):
            return .integers((0..<count).map { Int64(bytes[base + $0]) })
        case UInt8(ascii: "I"):
            return .integers((0..<count).map { Int64(Int16(bitPattern: load(UInt16.self, base + $0 * 2).bigEndian)) })
        case UInt8(ascii: "l"):
            return .integers((0..<count).map { Int64(Int32(bitPattern: load(UInt32.self, base + $0 * 4).bigEndian)) })
        default:
            return .integers((0..<count).map { Int64(bitPattern: load(UInt64.self, base + $0 * 8).bigEndian) })
        }
    }

    /// An unaligned load inside a range already checked against the buffer.
    func load<T: FixedWidthInteger>(_: T.Type, _ at: Int) -> T {
        bytes.loadUnaligned(fromByteOffset: at, as: T.self)
    }

    mutating func object(depth: Int) throws(ModelFileError) -> ModelJSON {
        guard depth <= limits.maxDepth else {
            throw ModelFileError.limitExceeded("nesting deeper than \(limits.maxDepth) at byte \(offset)")
        }
        let (type, count) = try containerHeader()
        if let type,
            type == UInt8(ascii: "[") || type == UInt8(ascii: "{") || type == UInt8(ascii: "Z")
                || type == UInt8(ascii: "T") || type == UInt8(ascii: "F") || type == UInt8(ascii: "N")
        {
            throw ModelFileError.unsupported("UBJSON objects typed '\(Character(Unicode.Scalar(type)))' (byte \(offset))")
        }
        var fields: [String: ModelJSON] = [:]
        func add(_ key: String, _ v: ModelJSON, at position: Int) throws(ModelFileError) {
            guard fields.updateValue(v, forKey: key) == nil else {
                throw fail("duplicate key \"\(key)\"", at: position)
            }
        }
        if let count {
            // Every pair takes at least two bytes (a key length and a value).
            guard count <= remaining / 2 else { throw fail("object of \(count) fields runs past the end") }
            for _ in 0..<count {
                let position = offset
                let key = try string()
                let v: ModelJSON
                if let type {
                    v = try value(marker: type, depth: depth, start: offset)
                } else {
                    v = try value(depth: depth)
                }
                try add(key, v, at: position)
            }
            return .object(fields)
        }
        while true {
            skipNoOps()
            if try peek() == UInt8(ascii: "}") {
                offset += 1
                return .object(fields)
            }
            guard fields.count < limits.maxCount else {
                throw ModelFileError.limitExceeded("an object of more than \(limits.maxCount) fields")
            }
            let position = offset
            let key = try string()
            try add(key, try value(depth: depth), at: position)
        }
    }
}
