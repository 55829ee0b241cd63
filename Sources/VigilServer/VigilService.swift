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
        let served = try await loadModel(registry: registry)
        let slot = ModelSlot(served)
        let feedback = try makeFeedback(registry: registry, served: served)
        // ServiceGroup stops services in reverse order: the ports drain first, then the Python workers.
        let services: [any Service] =
            [ScorerService(slot: slot)] + makeApplications(registry: registry, slot: slot, feedback: feedback)
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("stopped")
    }

    /// Loads the configured model and registers its series.
    package func loadModel(registry: MetricsRegistry) async throws -> ServedModel {
        let clock = ContinuousClock()
        let start = clock.now
        // A local directory as it is; an MLflow URI through the tracking server and the cache.
        let resolved: ResolvedModel
        do {
            resolved = try await ModelSource.resolve(configuration.model, logger: logger)
        } catch {
            throw ModelLoadError(description: "Cannot load \(configuration.model): \(error)")
        }
        let directory = URL(fileURLWithPath: resolved.localDirectory).standardizedFileURL
        let isLocal = (try? ModelURI(parsing: configuration.model).isLocal) ?? true
        let loaded = try await configuration.loader.load(directory: directory.path, logger: logger)
        let labels = ModelLabels(
            name: configuration.modelName ?? resolved.name ?? directory.lastPathComponent,
            version: configuration.modelVersion ?? resolved.version ?? Self.versionLabel(loaded.manifest),
            uri: isLocal ? directory.path : resolved.uri,
            runID: resolved.runID ?? loaded.manifest.runID ?? "",
            flavor: loaded.flavor,
            runtime: loaded.scorer.runtime)
        let metrics = registry.modelMetrics(for: labels)
        let drift: DriftMonitor?
        do {
            drift = try DriftMonitor.load(
                modelDirectory: directory.path, profilePath: configuration.profile, labels: labels,
                registry: registry.prometheus, scoreEvery: Int.max)  // scored at each scrape, off the request path
        } catch {
            throw ModelLoadError(description: "The drift profile cannot be used: \(error)")
        }
        if drift != nil, case .python = loaded.scorer {
            logger.warning("drift monitoring needs a native runtime; the Python runtime does not decode rows in Vigil")
        }
        let quality = configuration.feedback.map { settings in
            QualityMonitor(
                labels: labels, registry: registry.prometheus, windowSize: settings.qualityWindow, task: loaded.task)
        }
        let seconds = (clock.now - start).seconds
        metrics.recordLoad(durationSeconds: seconds, loadedAtUnixSeconds: Date().timeIntervalSince1970)
        logger.info(
            "model loaded",
            metadata: [
                "model.name": "\(labels.name)", "model.version": "\(labels.version)", "model.flavor": "\(labels.flavor)",
                "model.runtime": "\(labels.runtime)", "load.ms": "\(Int((seconds * 1000).rounded()))",
                "drift": "\(drift == nil ? "off (no profile)" : "on")",
            ])
        return ServedModel(labels: labels, scorer: loaded.scorer, metrics: metrics, drift: drift, quality: quality)
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
                endpoint: endpoint, host: configuration.host, port: configuration.port, onRunning: announce)
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

    /// Hummingbird logs each server start at info; Vigil logs its own single line instead.
    private func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = max(self.logger.logLevel, .warning)
        return logger
    }
}
