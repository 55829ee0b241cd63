import Foundation
import Testing

@testable import VigilPython

/// Requests per second through the pool alone (no HTTP), on the custom PythonModel. Speed is measured,
/// never asserted: this runs only with VIGIL_PYTHON_BENCH=1 and prints its figures.
///
///     VIGIL_PYTHON_BENCH=1 swift test -c release --filter PoolThroughputTests
@Suite(
    .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["VIGIL_PYTHON_BENCH"] != nil, "set VIGIL_PYTHON_BENCH=1"),
    .enabled(if: TestPython.withMLflow != nil, TestPython.skipReason)
)
struct PoolThroughputTests {
    @Test(arguments: [1, 2])
    func requestsPerSecond(workers: Int) async throws {
        let fixture = PyfuncFixture(name: "custom_dataframe_params")
        let pool = PythonWorkerPool(
            configuration: fixture.configuration(python: TestPython.withMLflow!, workers: workers),
            logger: .test
        )
        try await pool.start()
        let body = #"{"dataframe_split": {"columns": ["a", "b"], "data": [[1.0, 2.0]]}, "params": {"scale": 2.0}}"#
        let requests = 3000
        let concurrency = 8
        for _ in 0..<100 {
            #expect(await pool.answer(body, contentType: "application/json").status == 200)
        }
        let clock = ContinuousClock()
        let started = clock.now
        let latencies = await withTaskGroup(of: [Duration].self) { group in
            for lane in 0..<concurrency {
                group.addTask {
                    var latencies: [Duration] = []
                    for _ in stride(from: lane, to: requests, by: concurrency) {
                        let sent = clock.now
                        let answer = await pool.answer(body, contentType: "application/json")
                        precondition(answer.status == 200, "\(answer)")
                        latencies.append(clock.now - sent)
                    }
                    return latencies
                }
            }
            return await group.reduce(into: []) { $0 += $1 }.sorted()
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        func ms(_ quantile: Double) -> String {
            let d = latencies[min(latencies.count - 1, Int(Double(latencies.count) * quantile))]
            return String(format: "%.2f", Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1e3)
        }
        print(
            "pool workers=\(workers) concurrency=\(concurrency) requests=\(requests): "
                + String(format: "%.0f req/s", Double(requests) / seconds)
                + ", p50 \(ms(0.5)) ms, p99 \(ms(0.99)) ms"
        )
        await pool.shutdown()
    }
}
