import Foundation

/// The committed fixtures under `Tests/Fixtures`, found from this file's path.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static let protocolDirectory = root.appendingPathComponent("protocol")

    static func data(_ path: String) throws -> Data {
        try Data(contentsOf: protocolDirectory.appendingPathComponent(path))
    }

    static func decode<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
        try JSONDecoder().decode(T.self, from: data(path))
    }

    /// `bits` as written by `struct.pack(">d", x).hex()`.
    static func double(bits hex: String) -> Double {
        Double(bitPattern: UInt64(hex, radix: 16)!)
    }

    static func float(bits hex: String) -> Float {
        Float(bitPattern: UInt32(hex, radix: 16)!)
    }
}

extension Array where Element == UInt8 {
    func withRawBuffer<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}
