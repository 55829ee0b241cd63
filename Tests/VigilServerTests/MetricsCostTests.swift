import Foundation
import Logging
import NIOCore
import Testing
import VigilModel
import VigilMonitoring

@testable import VigilServer

/// What recording the metrics costs per request: the scoring endpoint (decode, predict, encode and
/// every series of the catalogue) beside the bare pipeline, on the demo model. A measurement, not an
/// assertion; opt-in: `VIGIL_BENCH=1 swift test -c release --filter MetricsCostTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_BENCH"] == "1"))
struct MetricsCostTests {
    @Test func metricsCostPerRequest() async throws {
        let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/demo")
        let served = try await VigilService(configuration: ServeConfiguration(model: demo.path), logger: Logger(label: "bench"))
            .loadModel(registry: MetricsRegistry(buildVersion: "bench"))
        guard case .native(let pipeline) = served.scorer else { Issue.record("demo is native"); return }
        let endpoint = ScoringEndpoint(slot: ModelSlot(served), limits: ScoringLimits())
        // The same version without its drift monitor: metrics alone.
        let withoutDrift = ScoringEndpoint(
            slot: ModelSlot(ServedModel(labels: served.labels, scorer: served.scorer, metrics: served.metrics)),
            limits: ScoringLimits())
        let example = try Data(contentsOf: demo.appendingPathComponent("serving_input_example.json"))
        let body = ByteBuffer(bytes: example)
        let iterations = 200_000
        func time(_ work: () -> Void) -> Double {
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<iterations { work() }
            let elapsed = clock.now - start
            return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18) / Double(iterations) * 1e9
        }
        var bare: [Double] = []
        var withMetrics: [Double] = []
        var metricsOnly: [Double] = []
        for _ in 0..<3 {
            bare.append(time {
                let request = try! body.withUnsafeReadableBytes { try pipeline.decode(body: $0, contentType: "application/json") }
                _ = pipeline.encode(try! pipeline.predict(request))
            })
            withMetrics.append(time {
                _ = endpoint.nativeInvocations(contentType: "application/json", body: .success(body), requestID: "bench", startedAt: .now)
            })
            metricsOnly.append(time {
                _ = withoutDrift.nativeInvocations(
                    contentType: "application/json", body: .success(body), requestID: "bench", startedAt: .now)
            })
        }
        let b = bare.sorted()[1]
        let m = withMetrics.sorted()[1]
        let o = metricsOnly.sorted()[1]
        func percent(_ x: Double) -> String { String(format: "+%.1f%%", (x - b) / b * 100) }
        print("METRICS-COST bare \(Int(b)) ns/request; endpoint with metrics \(Int(o)) ns (\(percent(o))); with metrics and drift \(Int(m)) ns (\(percent(m)))")
    }

    /// What the request id costs beside what a UUID would (the reason ids are a prefix and a counter).
    @Test func requestIDCost() {
        let iterations = 1_000_000
        func time(_ work: () -> String) -> Double {
            let clock = ContinuousClock()
            var length = 0
            let start = clock.now
            for _ in 0..<iterations { length &+= work().utf8.count }
            let elapsed = clock.now - start
            #expect(length > 0)
            return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18) / Double(iterations) * 1e9
        }
        let made = time { RequestID.next() }
        let echoed = time { RequestID.resolve("client-request-0123456789") }
        let uuid = time { UUID().uuidString }
        print("REQUEST-ID made \(Int(made)) ns, client's checked \(Int(echoed)) ns, UUID().uuidString \(Int(uuid)) ns")
    }
}
