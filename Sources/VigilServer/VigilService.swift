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
        // ServiceGroup stops services in reverse order: the ports drain first, then the Python workers.
        // The reporter comes first so it stops last, after the ports drained: its final interval sees every request.
        let services: [any Service] =
            makeReporter(slot: slot) + [ScorerService(slot: slot)] + makeApplications(registry: registry, slot: slot)
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
                registry: registry.prometheus, settings: configuration.drift)
        } catch {
            throw ModelLoadError(description: "The drift profile cannot be used: \(error)")
        }
        if drift != nil, case .python = loaded.scorer {
            logger.warning("drift monitoring needs a native runtime; the Python runtime does not decode rows in Vigil")
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
        var registryVersion: RegistryVersion?
        if case .registered = try? ModelURI(parsing: configuration.model), let name = resolved.name, let version = resolved.version {
            registryVersion = RegistryVersion(name: name, version: version)
        }
        return ServedModel(
            labels: labels, scorer: loaded.scorer, metrics: metrics, drift: drift, registryVersion: registryVersion)
    }

    /// A local model has no registry version: the start of its `model_uuid` tells one saved
    /// model from the next, so a redeploy still shows as a new version on dashboards.
    static func versionLabel(_ manifest: ModelManifest) -> String {
        manifest.modelUUID.map { String($0.filter { $0 != "-" }.prefix(8)) } ?? "1"
    }

    func makeApplications(registry: MetricsRegistry, slot: ModelSlot) -> [any Service] {
        let logger = self.logger
        let configuration = self.configuration
        let endpoint = ScoringEndpoint(slot: slot, limits: configuration.limits)
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
