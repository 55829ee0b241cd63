import Foundation
import Testing

@testable import VigilModel

/// Seeded random mutations of every recorded request body: none may trap.
@Suite struct MutationFuzzTests {
    @Test func mutatedCorpusBodiesNeverTrap() {
        let signature = try? ModelManifest.load(directory: Fixtures.protocolDirectory.appendingPathComponent("model").path).signature
        let alphabet = Array(#"[]{}",:0123456789.-+eE truenllfaNIy\"#.utf8) + [0xC3, 0xA9, 0xFF]
        var state: UInt64 = 0x1234_5678_9ABC_DEF1
        func next(_ n: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(max(n, 1)))
        }
        var decoded = 0
        var failed = 0
        for c in ProtocolCorpusTests.cases {
            let original = c.bytes
            for round in 0..<40 {
                var bytes = original
                for _ in 0..<(1 + round % 4) {
                    switch next(3) {
                    case 0 where !bytes.isEmpty: bytes.remove(at: next(bytes.count))
                    case 1: bytes.insert(alphabet[next(alphabet.count)], at: next(bytes.count + 1))
                    default: if !bytes.isEmpty { bytes[next(bytes.count)] = alphabet[next(alphabet.count)] }
                    }
                }
                let contentType = c.content_type ?? "application/json"
                for sig in [signature, nil] {
                    let result = bytes.withUnsafeBytes { b in
                        Result { () throws(ScoringError) in try ScoringPipeline.decode(body: b, contentType: contentType, signature: sig) }
                    }
                    switch result {
                    case .success: decoded += 1
                    case .failure(let e):
                        failed += 1
                        _ = e.response
                    }
                }
            }
        }
        #expect(decoded + failed == ProtocolCorpusTests.cases.count * 80)
    }
}
