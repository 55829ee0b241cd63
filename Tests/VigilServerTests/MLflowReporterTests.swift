import Foundation
import Logging
import Testing
import VigilMLflow
import VigilMonitoring

@testable import VigilServer

/// The reporter across a version change, against a real tracking server: the old version's run
/// ends FINISHED and the version is untagged, the new one gets its own run and tags. Opt-in, as it
/// needs a running `mlflow server`: `VIGIL_TEST_MLFLOW_URI=http://127.0.0.1:5000 swift test --filter MLflowReporterTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_TEST_MLFLOW_URI"] != nil))
struct MLflowReporterTests {
    let client = MLflowClient(
        configuration: TrackingConfiguration(baseURL: URL(string: ProcessInfo.processInfo.environment["VIGIL_TEST_MLFLOW_URI"] ?? "http://x")!))

    func versionTags(_ name: String, _ version: String) async throws -> [String: String] {
        let answer = try await client.call("model-versions/get", query: [("name", name), ("version", version)])
        let tags = (answer["model_version"] as? [String: Any])?["tags"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: tags.map { ($0["key"] as! String, $0["value"] as! String) })
    }

    func run(_ id: String) async throws -> (status: String, tags: [String: String], metrics: [String: Double]) {
        let run = try await client.call("runs/get", query: [("run_id", id)])["run"] as! [String: Any]
        let info = run["info"] as! [String: Any]
        let data = run["data"] as! [String: Any]
        let tags = (data["tags"] as? [[String: Any]] ?? []).map { ($0["key"] as! String, $0["value"] as! String) }
        let metrics = (data["metrics"] as? [[String: Any]] ?? []).map { ($0["key"] as! String, ($0["value"] as! NSNumber).doubleValue) }
        return (info["status"] as! String, Dictionary(uniqueKeysWithValues: tags), Dictionary(uniqueKeysWithValues: metrics))
    }

    @Test func aVersionChangeFinishesTheOldRunAndUntagsTheOldVersion() async throws {
        let name = "reporter_swap_\(UInt32.random(in: 0...UInt32.max))"
        _ = try await client.call("registered-models/create", method: "POST", body: ["name": name])
        let tracking = MLflowTracking(client: client)
        let source = try await tracking.createRun(
            experimentID: try await tracking.experimentID(named: name + "-source"), name: "source", startTime: 0, tags: [])
        for _ in 1...2 {
            _ = try await client.call(
                "model-versions/create", method: "POST", body: ["name": name, "source": "runs:/\(source)/model", "run_id": source])
        }
        let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/demo")
        let registry = MetricsRegistry(buildVersion: "test")
        let loaded = try await VigilService(configuration: ServeConfiguration(model: demo.path), logger: Logger(label: "test"))
            .loadModel(registry: registry)
        func version(_ v: String) -> ServedModel {
            var labels = loaded.labels
            labels.name = name
            labels.version = v
            return ServedModel(
                labels: labels, scorer: loaded.scorer, metrics: registry.modelMetrics(for: labels),
                registryVersion: RegistryVersion(name: name, version: v))
        }
        let first = version("1"), second = version("2")
        let slot = ModelSlot(first)
        let reporter = MLflowReporter(
            slot: slot, tracking: tracking, settings: ReportSettings(enabled: true, experiment: name),
            host: "test:1", vigilVersion: "test", logger: Logger(label: "test"))
        let session = ReportSession(reporter: reporter)

        await session.tick(recording: false)
        #expect(try await versionTags(name, "1")["vigil.serving"] == "true")
        first.metrics.recordRequest(status: 200, seconds: 0.002, rows: 3, failure: nil)
        first.metrics.recordRequest(status: 400, seconds: 0.001, rows: nil, failure: .badRequest)
        slot.swap(to: second)
        second.metrics.recordRequest(status: 200, seconds: 0.002, rows: 1, failure: nil)
        await session.tick(recording: true)

        let v1 = try await versionTags(name, "1"), v2 = try await versionTags(name, "2")
        #expect(v1["vigil.serving"] == "false")
        #expect(v2["vigil.serving"] == "true" && v2["vigil.host"] == "test:1")
        let experiment = try await tracking.experimentID(named: name)
        let found = try await client.call("runs/search", method: "POST", body: ["experiment_ids": [experiment]])
        let ids = (found["runs"] as? [[String: Any]] ?? []).map { ($0["info"] as! [String: Any])["run_id"] as! String }
        #expect(ids.count == 2)
        var byVersion: [String: (status: String, tags: [String: String], metrics: [String: Double])] = [:]
        var runIDs: [String: String] = [:]
        for id in ids {
            let r = try await run(id)
            byVersion[r.tags["vigil.model_version"] ?? "?"] = r
            runIDs[r.tags["vigil.model_version"] ?? "?"] = id
        }
        #expect(byVersion["1"]?.status == "FINISHED")
        #expect(byVersion["1"]?.metrics["requests"] == 2 && byVersion["1"]?.metrics["error_ratio"] == 0.5)
        #expect(byVersion["2"]?.status == "RUNNING")
        #expect(byVersion["2"]?.metrics["requests"] == 1)  // counted from the swap, not lost to it

        await session.finish()
        #expect(try await versionTags(name, "2")["vigil.serving"] == "false")
        #expect(try await run(try #require(runIDs["2"])).status == "FINISHED")
    }
}
