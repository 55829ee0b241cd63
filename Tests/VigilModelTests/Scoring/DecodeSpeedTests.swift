import Foundation
import Testing

@testable import VigilModel

/// Decode timings for the README, not a pass/fail check: run with
/// `VIGIL_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter DecodeSpeedTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_BENCH"] != nil))
struct DecodeSpeedTests {
    /// A `dataframe_split` body as MLflow's client writes it (`json.dumps`), 20 double columns.
    static func payload(rows: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) * 4 - 2
        }
        var w = JSONWriter()
        w.raw("{\"dataframe_split\": {\"columns\": [")
        for c in 0..<20 {
            if c > 0 { w.raw(", ") }
            w.string("f\(c)")
        }
        w.raw("], \"data\": [")
        for r in 0..<rows {
            if r > 0 { w.raw(", ") }
            w.raw("[")
            for c in 0..<20 {
                if c > 0 { w.raw(", ") }
                w.double(next())
            }
            w.raw("]")
        }
        w.raw("]}}")
        return w.bytes
    }

    static let signature = ModelSignature(
        inputs: .columns((0..<20).map { ColSpec(name: "f\($0)", type: .scalar(.double)) }))

    /// The same signature with the columns in another order: the request's columns are then
    /// looked up by name.
    static let shuffledSignature = ModelSignature(
        inputs: .columns((0..<20).reversed().map { ColSpec(name: "f\($0)", type: .scalar(.double)) }))

    func measure(rows: Int, signature: ModelSignature = signature) throws -> (perCall: Double, bytes: Int) {
        let body = Self.payload(rows: rows)
        let iterations = rows == 1 ? 200_000 : 5_000
        var checksum = 0
        // Warm up, then take the best of five rounds.
        var best = Double.infinity
        for round in 0..<6 {
            let clock = ContinuousClock()
            let elapsed = try clock.measure {
                for _ in 0..<iterations {
                    let request = try body.withUnsafeBytes { b in
                        try ScoringPipeline.decode(body: b, contentType: "application/json", signature: signature)
                    }
                    checksum &+= request.frame.rowCount
                }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            if round > 0 { best = min(best, seconds / Double(iterations)) }
        }
        #expect(checksum > 0)
        return (best, body.count)
    }

    @Test func dataframeSplit20Columns() throws {
        let only = ProcessInfo.processInfo.environment["VIGIL_BENCH_ROWS"].flatMap { Int($0) }
        for rows in [1, 100] where only == nil || only == rows {
            let (perCall, bytes) = try measure(rows: rows)
            print(String(format: "decode dataframe_split %3d rows x 20 columns (%6d bytes): %8.2f µs  (%.0f MB/s)",
                         rows, bytes, perCall * 1e6, Double(bytes) / perCall / 1e6))
        }
        for rows in [1, 100] where only == nil || only == rows {
            let (perCall, _) = try measure(rows: rows, signature: Self.shuffledSignature)
            print(String(format: "decode dataframe_split %3d rows x 20 columns, reordered: %8.2f µs", rows, perCall * 1e6))
        }
        // The response side, for the same shapes.
        for rows in [1, 100] {
            let predictions = Predictions.floats((0..<rows).map { Float($0) * 0.013 + 0.07 })
            let clock = ContinuousClock()
            var total = 0
            let n = 100_000 / rows
            let elapsed = clock.measure {
                for _ in 0..<n { total &+= PredictionsEncoder.encode(predictions).count }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            print(String(format: "encode %3d float32 predictions: %8.2f µs", rows, seconds / Double(n) * 1e6))
            #expect(total > 0)
        }
    }
}
