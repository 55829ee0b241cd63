/// Writes small stored zip archives for tests, with hooks to break them.
struct ZipWriter {
    var members: [(name: String, data: [UInt8], method: UInt16, crc: UInt32?)] = []

    mutating func add(_ name: String, _ data: [UInt8], method: UInt16 = 0, crc: UInt32? = nil) {
        members.append((name, data, method, crc))
    }

    mutating func add(_ name: String, _ text: String) { add(name, Array(text.utf8)) }

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func u16(_ v: Int, _ into: inout [UInt8]) { into += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: UInt32, _ into: inout [UInt8]) { into += (0..<4).map { UInt8(v >> (8 * $0) & 0xFF) } }
        for m in members {
            let offset = out.count
            let crc = m.crc ?? Self.crc32(m.data)
            let name = Array(m.name.utf8)
            u32(0x0403_4B50, &out); u16(20, &out); u16(0, &out); u16(Int(m.method), &out); u16(0, &out); u16(0, &out)
            u32(crc, &out); u32(UInt32(m.data.count), &out); u32(UInt32(m.data.count), &out)
            u16(name.count, &out); u16(0, &out)
            out += name + m.data
            u32(0x0201_4B50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(Int(m.method), &central)
            u16(0, &central); u16(0, &central); u32(crc, &central); u32(UInt32(m.data.count), &central)
            u32(UInt32(m.data.count), &central); u16(name.count, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u16(0, &central); u32(0, &central); u32(UInt32(offset), &central)
            central += name
        }
        let cdOffset = out.count
        out += central
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(members.count, &out); u16(members.count, &out)
        u32(UInt32(central.count), &out); u32(UInt32(cdOffset), &out); u16(0, &out)
        return out
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in data {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// A `.npy` v1 file with `header` (the dict text) and raw `data`.
    static func npy(_ header: String, _ data: [UInt8]) -> [UInt8] {
        var h = Array(header.utf8)
        while (10 + h.count + 1) % 64 != 0 { h.append(0x20) }
        h.append(0x0A)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.count & 0xFF), UInt8(h.count >> 8)] + h + data
    }
}
