import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import VigilMLflow
import VigilModel
import VigilMonitoring

/// Vigil's server process: loads the model, then runs the scoring and operations ports until
/// SIGTERM or SIGINT, draining in-flight requests before it exits.
package struct VigilService {
    package static let version = "0.1.0"

    let configuration: ServeConfiguration
    let logger: Logger

    package init(configuration: ServeConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    package func run() async throws {
        let registry = MetricsRegistry(buildVersion: Self.version, buckets: configuration.buckets)
        let (served, registryVersion) = try await loadVersion(registry: registry)
        let slot = ModelSlot(served)
        let feedback = try makeFeedback(registry: registry, served: served)
        // ServiceGroup stops services in reverse order: the ports drain first, then the follower (a version
        // mid-load is stopped, replaced ones retired), then the served version's Python workers, and last the
        // reporter, whose final interval then sees every request.
        var services: [any Service] = makeReporter(slot: slot) + [ScorerService(slot: slot)]
        if let follower = makeFollower(registry: registry, slot: slot, served: served, registryVersion: registryVersion) {
            services.append(follower)
        }
        services += makeApplications(registry: registry, slot: slot, feedback: feedback)
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("stopped")
    }

    /// Loads the configured model and registers its series.
    package func loadModel(registry: MetricsRegistry) async throws -> ServedModel {
        try await loadVersion(registry: registry).served
    }

    /// The configured model, served, and the registry version it resolved to (nil outside a registry).
    func loadVersion(registry: MetricsRegistry) async throws -> (served: ServedModel, registryVersion: String?) {
        let loader = VersionLoader(configuration: configuration, registry: registry, logger: logger)
        let candidate = try await loader.load(try await loader.resolve())
        do {
            return (try loader.publish(candidate), candidate.resolved.version)
        } catch {
            await loader.discard(candidate)
            throw error
        }
    }

    /// A follower when `--model` names an alias, a stage or `latest` and polling is on.
    func makeFollower(registry: MetricsRegistry, slot: ModelSlot, served: ServedModel, registryVersion: String?) -> RegistryFollower? {
        guard configuration.pollInterval > 0 else { return nil }
        let reference: RegistryReference
        do {
            guard let moving = try RegistryReference(uri: configuration.model) else { return nil }
            reference = moving
        } catch {
            logger.warning("not following the registry", metadata: ["model.uri": "\(configuration.model)", "error": "\(error)"])
            return nil
        }
        if configuration.modelVersion != nil {
            logger.warning(
                "--model-version is set: every version followed carries the same model_version label",
                metadata: ["model.uri": "\(configuration.model)"])
        }
        return RegistryFollower(
            reference: reference, interval: .seconds(configuration.pollInterval),
            loader: VersionLoader(configuration: configuration, registry: registry, logger: logger), slot: slot,
            metrics: FollowMetrics(registry: registry, modelName: served.labels.name), servingVersion: registryVersion,
            logger: logger)
    }

    /// The feedback store (and inference log) when `--feedback` is on, refilled from the log.
    func makeFeedback(registry: MetricsRegistry, served: ServedModel) throws -> FeedbackRecorder? {
        guard let settings = configuration.feedback else { return nil }
        var log: InferenceLog?
        if let directory = settings.inferenceLog {
            do {
                log = try InferenceLog(
                    directory: directory, maxBytes: settings.inferenceLogMaxBytes, fsync: settings.inferenceLogFsync)
            } catch {
                throw ModelLoadError(description: "The inference log cannot be used: \(error)")
            }
        }
        let recorder = FeedbackRecorder(
            store: FeedbackStore(capacity: settings.window), log: log, counters: FeedbackCounters(registry: registry.prometheus))
        let reloaded = recorder.reload(for: served)
        logger.info(
            "feedback on",
            metadata: [
                "feedback.window": "\(settings.window)", "quality.window": "\(settings.qualityWindow)",
                "inference_log": "\(settings.inferenceLog ?? "off")", "reloaded": "\(reloaded)",
            ])
        return recorder
    }

    /// A local model has no registry version: the start of its `model_uuid` tells one saved
    /// model from the next, so a redeploy still shows as a new version on dashboards.
    static func versionLabel(_ manifest: ModelManifest) -> String {
        manifest.modelUUID.map { String($0.filter { $0 != "-" }.prefix(8)) } ?? "1"
    }

    func makeApplications(registry: MetricsRegistry, slot: ModelSlot, feedback: FeedbackRecorder? = nil) -> [any Service] {
        let logger = self.logger
        let configuration = self.configuration
        let endpoint = ScoringEndpoint(slot: slot, limits: configuration.limits, feedback: feedback)
        let announce: @Sendable (Int) -> Void = { port in
            let model = slot.current?.labels
            logger.info(
                "serving",
                metadata: [
                    "model.name": "\(model?.name ?? "-")", "model.version": "\(model?.version ?? "-")",
                    "scoring": "http://\(configuration.host):\(port)/invocations",
                    "metrics": "http://\(configuration.host):\(configuration.metricsPort)/metrics",
                    "http": "\(configuration.httpStack.rawValue)",
                ])
        }
        let scoring: any Service
        switch configuration.httpStack {
        case .nio:
            scoring = ScoringServer(
                endpoint: endpoint, host: configuration.host, port: configuration.port,
                eventLoops: configuration.eventLoops, onRunning: announce)
        case .hummingbird:
            scoring = Application(
                responder: ScoringResponder(endpoint: endpoint),
                configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
                onServerRunning: { channel in announce(channel.localAddress?.port ?? configuration.port) },
                logger: quietLogger("vigil.scoring"))
        }
        let operations = Application(
            router: OperationsApplication.router(registry: registry, slot: slot),
            configuration: .init(address: .hostname(configuration.host, port: configuration.metricsPort)),
            logger: quietLogger("vigil.operations"))
        return [scoring, operations]
    }

    /// The MLflow reporter when `--report-to-mlflow` asks for one and a tracking server is configured.
    func makeReporter(slot: ModelSlot) -> [any Service] {
        guard configuration.report.enabled else { return [] }
        let tracking: TrackingConfiguration
        do {
            tracking = try TrackingConfiguration(environment: ProcessInfo.processInfo.environment)
        } catch {
            logger.warning("--report-to-mlflow: nothing is reported", metadata: ["error": "\(error)"])
            return []
        }
        let host = "\(ProcessInfo.processInfo.hostName):\(configuration.port)"
        return [
            MLflowReporter(
                slot: slot, tracking: MLflowTracking(client: MLflowClient(configuration: tracking, requestTimeout: 10, resourceTimeout: 20)),
                settings: configuration.report, host: host, vigilVersion: Self.version, logger: logger)
        ]
    }

    /// Hummingbird logs each server start at info; Vigil logs its own single line instead.
    private func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = max(self.logger.logLevel, .warning)
        return logger
    }
}
