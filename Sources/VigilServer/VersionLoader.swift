import Foundation
import Logging
import NIOCore
import VigilMLflow
import VigilModel
import VigilMonitoring

/// Builds one servable version of `--model` in steps a caller can tell apart: resolve (through the
/// tracking server and the cache), load its runtime, warm it up, and only then register its series.
package struct VersionLoader: Sendable {
    let configuration: ServeConfiguration
    let registry: MetricsRegistry
    let logger: Logger

    package init(configuration: ServeConfiguration, registry: MetricsRegistry, logger: Logger) {
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
    }

    /// A version whose runtime is built but not yet serving: no series registered, nothing in a slot.
    package struct Candidate: Sendable {
        package var resolved: ResolvedModel
        package var directory: URL
        package var loaded: ModelLoader.Loaded
        package var labels: ModelLabels
        /// When resolving began: the load duration runs from here to `publish`.
        var started: ContinuousClock.Instant
    }

    /// Where `--model` points now, downloaded into the cache when it came from a tracking server.
    package func resolve() async throws -> ResolvedModel {
        do {
            // The cache learns where an alias points only once that version has loaded (`publish`):
            // a broken version must not become what a restart during an outage serves.
            return try await ModelSource.resolve(configuration.model, logger: logger, rememberReference: false)
        } catch {
            throw ModelLoadError(description: "Cannot load \(configuration.model): \(error)")
        }
    }

    /// Reads the model directory and builds its runtime (starting Python workers if it needs them).
    package func load(_ resolved: ResolvedModel, startedAt started: ContinuousClock.Instant = .now) async throws -> Candidate {
        let directory = URL(fileURLWithPath: resolved.localDirectory).standardizedFileURL
        let isLocal = (try? ModelURI(parsing: configuration.model).isLocal) ?? true
        let loaded = try await configuration.loader.load(directory: directory.path, logger: logger)
        let labels = ModelLabels(
            name: configuration.modelName ?? resolved.name ?? directory.lastPathComponent,
            version: configuration.modelVersion ?? resolved.version ?? VigilService.versionLabel(loaded.manifest),
            uri: isLocal ? directory.path : resolved.uri,
            runID: resolved.runID ?? loaded.manifest.runID ?? "",
            flavor: loaded.flavor,
            runtime: loaded.scorer.runtime)
        return Candidate(resolved: resolved, directory: directory, loaded: loaded, labels: labels, started: started)
    }

    /// Answers the model's input example (`serving_input_example.json`, saved by MLflow) through
    /// the same endpoint a request takes. Its metrics go to a scratch registry, so the warm-up
    /// never shows in the version's series. Without an example, the load itself was the warm-up.
    package func warmUp(_ candidate: Candidate) async throws {
        let example = candidate.directory.appendingPathComponent("serving_input_example.json")
        guard let body = try? Data(contentsOf: example) else {
            logger.info(
                "no serving_input_example.json; the load is the warm-up",
                metadata: ["model.name": "\(candidate.labels.name)", "model.version": "\(candidate.labels.version)"])
            return
        }
        let scratch = MetricsRegistry(buildVersion: VigilService.version, buckets: registry.buckets)
        let model = ServedModel(
            labels: candidate.labels, scorer: candidate.loaded.scorer, metrics: scratch.modelMetrics(for: candidate.labels))
        let endpoint = ScoringEndpoint(slot: ModelSlot(model), limits: configuration.limits)
        let answer = await endpoint.invocations(
            contentType: "application/json", body: .success(ByteBuffer(bytes: body)), requestID: "vigil-warmup",
            startedAt: .now)
        guard answer.status == 200 else {
            let text = String(buffer: answer.body).prefix(2000)
            throw ModelLoadError(
                description: "The model's serving_input_example.json was answered with HTTP \(answer.status): \(text)")
        }
    }

    /// Registers the version's series (and its drift monitor) and returns it ready for a slot.
    package func publish(_ candidate: Candidate) throws -> ServedModel {
        let labels = candidate.labels
        let drift: DriftMonitor?
        do {
            drift = try DriftMonitor.load(
                modelDirectory: candidate.directory.path, profilePath: configuration.profile, labels: labels,
                registry: registry.prometheus, settings: configuration.drift)
        } catch {
            throw ModelLoadError(description: "The drift profile cannot be used: \(error)")
        }
        if drift != nil, case .python = candidate.loaded.scorer {
            logger.warning("drift monitoring needs a native runtime; the Python runtime does not decode rows in Vigil")
        }
        let metrics = registry.modelMetrics(for: labels)
        let seconds = (ContinuousClock.now - candidate.started).seconds
        metrics.recordLoad(durationSeconds: seconds, loadedAtUnixSeconds: Date().timeIntervalSince1970)
        logger.info(
            "model loaded",
            metadata: [
                "model.name": "\(labels.name)", "model.version": "\(labels.version)", "model.flavor": "\(labels.flavor)",
                "model.runtime": "\(labels.runtime)", "load.ms": "\(Int((seconds * 1000).rounded()))",
                "drift": "\(drift == nil ? "off (no profile)" : "on")",
            ])
        // Only a registered model's version can be tagged (write-back); runs:/, logged and local models have none.
        var registryVersion: RegistryVersion?
        if case .registered = try? ModelURI(parsing: configuration.model), let name = candidate.resolved.name,
            let version = candidate.resolved.version
        {
            registryVersion = RegistryVersion(name: name, version: version)
        }
        if let version = candidate.resolved.version {
            ModelSource.rememberReference(configuration.model, version: version)
        }
        let quality = configuration.feedback.map { settings in
            QualityMonitor(
                labels: labels, registry: registry.prometheus, windowSize: settings.qualityWindow, task: candidate.loaded.task)
        }
        return ServedModel(
            labels: labels, scorer: candidate.loaded.scorer, metrics: metrics, drift: drift, quality: quality,
            registryVersion: registryVersion)
    }

    /// Stops a candidate that will not serve (its Python workers; a native runtime holds nothing).
    package func discard(_ candidate: Candidate) async {
        if case .python(let pool) = candidate.loaded.scorer {
            await pool.shutdown()
        }
    }
}
