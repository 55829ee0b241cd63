/// A minimal, bounds-checked reader of the zip archives skops writes (`zipfile.ZipFile`,
/// `ZIP_STORED`, no zip64): enough for `model.skops`, and nothing an archive can abuse.
///
/// * Only the central directory is trusted for names and sizes; every local header is checked
///   against it, and every member's bytes must lie inside the file, before the central directory,
///   and not overlap another member's (so members cannot alias each other's bytes).
/// * Only stored members are read: they cannot expand, so no member is larger than the file.
///   A compressed, encrypted, zip64 or multi-disk archive is refused as unsupported.
/// * Names are flat (no `/`, `\`, `..`, NUL or drive letters) and unique; nothing is ever
///   written to disk, so a name cannot escape anyway.
/// * Each member's CRC-32 is checked when it is read.
package struct ZipArchive: Sendable {
    package struct Entry: Sendable {
        package let name: String
        let dataOffset: Int
        package let size: Int
        let crc32: UInt32
    }

    /// Most members an archive may have.
    package static let maxEntries = 1 << 16

    private let bytes: [UInt8]
    package let entries: [String: Entry]

    package init(bytes: [UInt8]) throws(ModelFileError) {
        self.bytes = bytes
        let eocd = try Self.findEndOfCentralDirectory(bytes)
        let disk = Self.u16(bytes, eocd + 4)
        let cdDisk = Self.u16(bytes, eocd + 6)
        let entriesHere = Int(Self.u16(bytes, eocd + 8))
        let count = Int(Self.u16(bytes, eocd + 10))
        let cdSize = Int(Self.u32(bytes, eocd + 12))
        let cdOffset = Int(Self.u32(bytes, eocd + 16))
        guard disk == 0, cdDisk == 0, entriesHere == count else { throw .unsupported("multi-disk zip archives") }
        guard count != 0xFFFF, cdSize != 0xFFFF_FFFF, cdOffset != 0xFFFF_FFFF else { throw .unsupported("zip64 archives") }
        guard count <= Self.maxEntries else { throw .limitExceeded("more than \(Self.maxEntries) zip members") }
        guard cdOffset <= eocd, cdSize <= eocd - cdOffset else {
            throw .malformed(offset: eocd, reason: "the zip central directory lies outside the file")
        }

        var entries: [String: Entry] = [:]
        var spans: [(start: Int, end: Int)] = []
        var p = cdOffset
        let cdEnd = cdOffset + cdSize
        for _ in 0..<count {
            guard p + 46 <= cdEnd, Self.u32(bytes, p) == 0x0201_4B50 else {
                throw .malformed(offset: p, reason: "bad zip central directory entry")
            }
            let flags = Self.u16(bytes, p + 8)
            let method = Self.u16(bytes, p + 10)
            let crc = Self.u32(bytes, p + 16)
            let compressed = Int(Self.u32(bytes, p + 20))
            let size = Int(Self.u32(bytes, p + 24))
            let nameLength = Int(Self.u16(bytes, p + 28))
            let extraLength = Int(Self.u16(bytes, p + 30))
            let commentLength = Int(Self.u16(bytes, p + 32))
            let localOffset = Int(Self.u32(bytes, p + 42))
            let next = p + 46 + nameLength + extraLength + commentLength
            guard next <= cdEnd else { throw .malformed(offset: p, reason: "zip central directory entry runs past its end") }
            let name = try Self.name(bytes[(p + 46)..<(p + 46 + nameLength)], at: p)
            guard flags & 0x0001 == 0 else { throw .unsupported("encrypted zip member \(name)") }
            guard method == 0 else {
                throw .unsupported("compressed zip member \(name) (method \(method)); skops archives are written stored")
            }
            guard compressed == size, size != 0xFFFF_FFFF, localOffset != 0xFFFF_FFFF else {
                throw .malformed(offset: p, reason: "zip member \(name) has inconsistent sizes")
            }
            guard entries[name] == nil else { throw .malformed(offset: p, reason: "zip member \(name) appears twice") }

            // The local header must agree, and the data must fit before the central directory.
            guard localOffset <= cdOffset - 30, Self.u32(bytes, localOffset) == 0x0403_4B50 else {
                throw .malformed(offset: localOffset, reason: "bad zip local header for \(name)")
            }
            let localNameLength = Int(Self.u16(bytes, localOffset + 26))
            let localExtraLength = Int(Self.u16(bytes, localOffset + 28))
            let dataOffset = localOffset + 30 + localNameLength + localExtraLength
            guard Self.u16(bytes, localOffset + 8) == 0, localNameLength == nameLength,
                bytes[(localOffset + 30)..<min(localOffset + 30 + nameLength, bytes.count)].elementsEqual(bytes[(p + 46)..<(p + 46 + nameLength)])
            else {
                throw .malformed(offset: localOffset, reason: "zip local header of \(name) disagrees with the directory")
            }
            guard dataOffset <= cdOffset, size <= cdOffset - dataOffset else {
                throw .malformed(offset: localOffset, reason: "zip member \(name) runs past the archive's data")
            }
            entries[name] = Entry(name: name, dataOffset: dataOffset, size: size, crc32: crc)
            spans.append((localOffset, dataOffset + size))
            p = next
        }
        spans.sort { $0.start < $1.start }
        for (a, b) in zip(spans, spans.dropFirst()) where b.start < a.end {
            throw .malformed(offset: b.start, reason: "zip members overlap")
        }
        self.entries = entries
    }

    /// The bytes of member `name`, CRC-checked.
    package func data(_ name: String) throws(ModelFileError) -> ArraySlice<UInt8> {
        guard let entry = entries[name] else { throw .missingField("zip member \(name)") }
        let data = bytes[entry.dataOffset..<(entry.dataOffset + entry.size)]
        guard CRC32.checksum(data) == entry.crc32 else {
            throw .malformed(offset: entry.dataOffset, reason: "zip member \(name) fails its CRC-32 check")
        }
        return data
    }

    private static func findEndOfCentralDirectory(_ bytes: [UInt8]) throws(ModelFileError) -> Int {
        guard bytes.count >= 22 else { throw .malformed(offset: 0, reason: "too short for a zip archive") }
        // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        var p = bytes.count - 22
        while p >= lowest {
            if u32(bytes, p) == 0x0605_4B50 && p + 22 + Int(u16(bytes, p + 20)) == bytes.count { return p }
            p -= 1
        }
        throw .malformed(offset: bytes.count, reason: "no zip end-of-central-directory record (not a zip archive)")
    }

    private static func name(_ raw: ArraySlice<UInt8>, at offset: Int) throws(ModelFileError) -> String {
        guard !raw.isEmpty, raw.count <= 1024, let name = String(validating: raw, as: UTF8.self) else {
            throw .malformed(offset: offset, reason: "a zip member name is empty, too long or not UTF-8")
        }
        guard !name.contains("/"), !name.contains("\\"), !name.contains("\0"), !name.contains(":"), name != ".", name != ".."
        else {
            throw .malformed(offset: offset, reason: "zip member name \(name.debugDescription) is not a plain file name")
        }
        return name
    }

    @inline(__always) private static func u16(_ b: [UInt8], _ p: Int) -> UInt16 {
        guard p >= 0, p + 2 <= b.count else { return 0 }
        return UInt16(b[p]) | UInt16(b[p + 1]) << 8
    }

    @inline(__always) private static func u32(_ b: [UInt8], _ p: Int) -> UInt32 {
        guard p >= 0, p + 4 <= b.count else { return 0 }
        return UInt32(b[p]) | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 3]) << 24
    }
}

/// CRC-32 (IEEE 802.3, reflected, as zip uses).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ data: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for byte in data { crc = t[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
