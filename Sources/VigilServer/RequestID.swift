import Synchronization

/// The `x-request-id` of an `/invocations` answer: the client's own when it is usable, else one
/// made here. A made id is a per-process random prefix and a counter, so it is unique within the
/// process, unlikely to repeat across restarts, and costs one atomic add and one small string.
package enum RequestID {
    package static let headerName = "x-request-id"
    package static let maxLength = 128

    /// Whether a client's id can be echoed: 1...128 visible ASCII characters (no spaces, no
    /// controls), so it is safe in a header, a log line and a metric-free lookup key.
    package static func isValid(_ value: String) -> Bool {
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        return bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// The client's id if valid, else a new one.
    package static func resolve(_ client: String?) -> String {
        if let client, isValid(client) { return client }
        return next()
    }

    /// A new id: `<prefix>-<counter in hex>`.
    package static func next() -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        return prefix + String(n, radix: 16)
    }

    private static let counter = Atomic<UInt64>(0)

    /// 12 random hex digits, fixed for the process's life.
    static let prefix: String = {
        var generator = SystemRandomNumberGenerator()
        let bits = generator.next() & 0xFFFF_FFFF_FFFF
        let digits = String(bits, radix: 16)
        return String(repeating: "0", count: 12 - digits.count) + digits + "-"
    }()
}
