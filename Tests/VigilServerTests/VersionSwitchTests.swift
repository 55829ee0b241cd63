import Foundation
import Logging
import NIOCore
import Synchronization
import Testing
import VigilMonitoring

@testable import VigilServer

/// Switching versions without a server: loading beside the served version, warming up, swapping,
/// and retiring the old version once its requests have answered.
@Suite struct VersionSwitchTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let demo = fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples/demo")
    static let protocolModel = fixtures.appendingPathComponent("protocol/model")

    static func configuration(_ model: URL, version: String) -> ServeConfiguration {
        var configuration = ServeConfiguration(model: model.path)
        configuration.modelName = "m"
        configuration.modelVersion = version
        configuration.loader.runtime = .native
        return configuration
    }

    static func load(_ model: URL, version: String, registry: MetricsRegistry) async throws -> ServedModel {
        try await VigilService(configuration: configuration(model, version: version), logger: Logger(label: "test"))
            .loadModel(registry: registry)
    }

    static func exposition(_ registry: MetricsRegistry) -> String {
        String(decoding: registry.exposition(accept: nil).body, as: UTF8.self)
    }

    @Test func theOldVersionIsRetiredOnlyAfterItsLastRequestAnswers() async throws {
        let registry = MetricsRegistry(buildVersion: "test")
        // The demo ships a drift profile, so the old version also has drift series to remove.
        let old = try await Self.load(Self.demo, version: "1", registry: registry)
        let new = try await Self.load(Self.protocolModel, version: "2", registry: registry)
        #expect(old.drift != nil)
        let slot = ModelSlot(old)
        let held = try #require(slot.acquire())  // a request in flight on version 1
        #expect(held.requests.value == 1)
        #expect(slot.swap(to: new)?.labels.version == "1")
        #expect(slot.acquire()?.labels.version == "2")  // new requests get version 2 at once
        slot.current?.requests.end()

        let retired = Flag()
        let retirement = Task {
            await VersionRetirement.retire(old, replacedBy: new.labels, logger: Logger(label: "test"))
            retired.set()
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(!retired.isSet)
        #expect(Self.exposition(registry).contains(#"mlflow_model_info{model_name="m",model_version="1""#))

        held.requests.end()
        await retirement.value
        let text = Self.exposition(registry)
        #expect(!text.contains(#"model_version="1""#))
        #expect(text.contains(#"mlflow_model_info{model_name="m",model_version="2""#))
        #expect(text.contains(#"mlflow_model_loaded_timestamp_seconds{model_name="m",model_version="2"}"#))
    }

    @Test func aVersionSharingItsLabelsWithItsSuccessorKeepsTheSeries() async throws {
        let registry = MetricsRegistry(buildVersion: "test")
        let old = try await Self.load(Self.protocolModel, version: "7", registry: registry)
        let new = try await Self.load(Self.protocolModel, version: "7", registry: registry)
        await VersionRetirement.retire(old, replacedBy: new.labels, logger: Logger(label: "test"))
        #expect(Self.exposition(registry).contains(#"mlflow_predictions_total{model_name="m",model_version="7"}"#))
    }

    @Test func warmUpAnswersTheInputExampleWithoutTouchingTheVersionsSeries() async throws {
        let registry = MetricsRegistry(buildVersion: "test")
        let loader = VersionLoader(
            configuration: Self.configuration(Self.protocolModel, version: "3"), registry: registry, logger: Logger(label: "test"))
        let candidate = try await loader.load(try await loader.resolve())
        try await loader.warmUp(candidate)
        #expect(!Self.exposition(registry).contains("model_version"))
        let served = try loader.publish(candidate)
        #expect(served.labels.version == "3")
        let text = Self.exposition(registry)
        #expect(text.contains(#"mlflow_predictions_total{model_name="m",model_version="3"} 0"#))
    }

    @Test func anExampleTheModelRejectsFailsTheWarmUp() async throws {
        let directory = try Self.copy(Self.protocolModel)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"dataframe_records": [{"nope": 1}]}"#.utf8)
            .write(to: directory.appendingPathComponent("serving_input_example.json"))
        let loader = VersionLoader(
            configuration: Self.configuration(directory, version: "4"), registry: MetricsRegistry(buildVersion: "test"),
            logger: Logger(label: "test"))
        let candidate = try await loader.load(try await loader.resolve())
        await #expect(throws: ModelLoadError.self) { try await loader.warmUp(candidate) }
    }

    @Test func aCorruptModelFileFailsTheLoad() async throws {
        let directory = try Self.copy(Self.protocolModel)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("this is not an xgboost model".utf8).write(to: directory.appendingPathComponent("model.ubj"))
        let loader = VersionLoader(
            configuration: Self.configuration(directory, version: "5"), registry: MetricsRegistry(buildVersion: "test"),
            logger: Logger(label: "test"))
        let resolved = try await loader.resolve()
        await #expect(throws: ModelLoadError.self) { try await loader.load(resolved) }
    }

    @Test func aRequestReleasesTheVersionItHeld() async throws {
        let registry = MetricsRegistry(buildVersion: "test")
        let slot = ModelSlot(try await Self.load(Self.protocolModel, version: "1", registry: registry))
        let endpoint = ScoringEndpoint(slot: slot, limits: ScoringLimits())
        let body = try Data(contentsOf: Self.protocolModel.appendingPathComponent("serving_input_example.json"))
        let answer = await endpoint.invocations(
            contentType: "application/json", body: .success(ByteBuffer(bytes: body)), requestID: "t1", startedAt: .now)
        #expect(answer.status == 200)
        #expect(slot.current?.requests.value == 0)
    }

    static func copy(_ model: URL) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: model, to: directory)
        return directory
    }
}

/// A flag one task sets and another reads.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() { value.store(true, ordering: .releasing) }

    var isSet: Bool { value.load(ordering: .acquiring) }
}

@Suite struct RetryBackoffTests {
    @Test func theDelayDoublesFromAMinuteToAnHour() {
        #expect(RetryBackoff.delay(failures: 1) == .seconds(60))
        #expect(RetryBackoff.delay(failures: 2) == .seconds(120))
        #expect(RetryBackoff.delay(failures: 3) == .seconds(240))
        #expect(RetryBackoff.delay(failures: 7) == .seconds(3600))
        #expect(RetryBackoff.delay(failures: 100) == .seconds(3600))
    }

    @Test func theSameBrokenVersionWaitsAnotherVersionDoesNot() {
        let now = ContinuousClock.now
        let first = RetryBackoff(failed: "3", at: now, after: nil)
        #expect(first.failures == 1)
        #expect(!first.allows("3", at: now + .seconds(1)))
        #expect(first.allows("4", at: now + .seconds(1)))
        #expect(first.allows("3", at: now + .seconds(60)))
        let second = RetryBackoff(failed: "3", at: now + .seconds(60), after: first)
        #expect(second.failures == 2)
        #expect(!second.allows("3", at: now + .seconds(179)))
        #expect(RetryBackoff(failed: "4", at: now, after: second).failures == 1)
    }
}

@Suite struct PollIntervalConfigurationTests {
    @Test func defaultsToThirtySecondsAndReadsFlagThenEnvironment() throws {
        #expect(try ServeConfiguration(flags: ServeFlags(), environment: [:], defaultModel: { "m" }).pollInterval == 30)
        let fromEnvironment = try ServeConfiguration(
            flags: ServeFlags(), environment: ["VIGIL_POLL_INTERVAL": "0"], defaultModel: { "m" })
        #expect(fromEnvironment.pollInterval == 0)
        let fromFlag = try ServeConfiguration(
            flags: ServeFlags(pollInterval: 5), environment: ["VIGIL_POLL_INTERVAL": "0"], defaultModel: { "m" })
        #expect(fromFlag.pollInterval == 5)
        #expect(throws: ConfigurationError.self) {
            try ServeConfiguration(flags: ServeFlags(pollInterval: -1), environment: [:], defaultModel: { "m" })
        }
    }
}
