import Foundation
import Synchronization
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The durable inference log (`--inference-log DIR`): one JSON line per answered request in
/// `inference-NNNNNNNN.jsonl` files, a new file every `maxBytes / 8`, the oldest files deleted so
/// that the set never holds more than `maxBytes` (a record larger than a file still gets one).
///
/// `append` writes the whole line with one write(2) on an `O_APPEND` descriptor (under a lock, so
/// lines never interleave) and returns only once the kernel has it: a record whose request was
/// answered survives the process being killed or restarted. Without `fsync` it sits in the page
/// cache and a machine crash may lose it; with `fsync`, `append` also waits for the disk.
package final class InferenceLog: Sendable {
    package let directory: String
    package let maxBytes: Int
    package let fsync: Bool
    package let segmentBytes: Int
    private let state: Mutex<State>

    private struct State: ~Copyable {
        var descriptor: Int32
        var sequence: Int
        var currentBytes: Int
        /// Closed files, oldest first, with their sizes.
        var closed: [(path: String, bytes: Int)]
    }

    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    package init(directory: String, maxBytes: Int = 100_000_000, fsync: Bool = false) throws {
        self.directory = directory
        self.maxBytes = maxBytes
        self.fsync = fsync
        segmentBytes = max(maxBytes / 8, 1)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let existing = Self.files(in: directory)
        let closed = existing.map { ($0.path, (try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? Int) ?? 0) }
        let sequence = (existing.last?.sequence ?? 0) + 1
        let descriptor = try Self.open(Self.path(directory, sequence))
        state = Mutex(State(descriptor: descriptor, sequence: sequence, currentBytes: 0, closed: closed))
        let segmentBytes = self.segmentBytes
        state.withLock { Self.trim(&$0, maxBytes: maxBytes, segmentBytes: segmentBytes) }
    }

    deinit {
        state.withLock { _ = close($0.descriptor) }
    }

    /// Writes one record (a line without its newline) and returns once write(2) has it (and
    /// fsync(2), when asked).
    package func append(_ line: [UInt8]) throws(Failure) {
        var record = line
        record.append(UInt8(ascii: "\n"))
        let failure: String? = state.withLock { state in
            if state.currentBytes > 0, state.currentBytes + record.count > segmentBytes {
                _ = close(state.descriptor)
                state.closed.append((Self.path(directory, state.sequence), state.currentBytes))
                state.sequence += 1
                state.currentBytes = 0
                do {
                    state.descriptor = try Self.open(Self.path(directory, state.sequence))
                } catch {
                    state.descriptor = -1
                    return "\(error)"
                }
                Self.trim(&state, maxBytes: maxBytes, segmentBytes: segmentBytes)
            }
            guard state.descriptor >= 0 else { return "the inference log has no open file" }
            let written = record.withUnsafeBytes { bytes -> Int in
                var offset = 0
                while offset < bytes.count {
                    let n = write(state.descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return -Int(errno)
                    }
                    offset += n
                }
                return offset
            }
            if written < 0 { return String(cString: strerror(Int32(-written))) }
            state.currentBytes += written
            if fsync, Glibc.fsync(state.descriptor) != 0 { return String(cString: strerror(errno)) }
            return nil
        }
        if let failure { throw Failure(description: "cannot write the inference log in \(directory): \(failure)") }
    }

    /// Drops the oldest closed files until they and a full open file fit in `maxBytes`.
    private static func trim(_ state: inout State, maxBytes: Int, segmentBytes: Int) {
        var total = state.closed.reduce(max(state.currentBytes, segmentBytes)) { $0 + $1.bytes }
        while total > maxBytes, let oldest = state.closed.first {
            unlink(oldest.path)
            total -= oldest.bytes
            state.closed.removeFirst()
        }
    }

    private static func open(_ path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        return fd
    }

    static func path(_ directory: String, _ sequence: Int) -> String {
        let digits = String(sequence)
        return directory + "/inference-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".jsonl"
    }

    /// The log's files, oldest first.
    static func files(in directory: String) -> [(path: String, sequence: Int)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> (String, Int)? in
            guard name.hasPrefix("inference-"), name.hasSuffix(".jsonl"),
                let n = Int(name.dropFirst("inference-".count).dropLast(".jsonl".count))
            else { return nil }
            return (directory + "/" + name, n)
        }.sorted { $0.1 < $1.1 }
    }

    /// The newest `limit` lines of the log in `directory`, oldest first (reading whole files,
    /// newest file first, until there are enough).
    package static func newestLines(in directory: String, limit: Int) -> [[UInt8]] {
        var chunks: [[[UInt8]]] = []
        var count = 0
        for file in files(in: directory).reversed() where count < limit {
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            let lines = data.split(separator: UInt8(ascii: "\n")).map { [UInt8]($0) }
            chunks.append(lines)
            count += lines.count
        }
        return Array(chunks.reversed().joined().suffix(limit))
    }
}
