import Foundation
import Logging
import ServiceLifecycle
import VigilMLflow
import VigilMonitoring

/// Writes what this process serves back to MLflow (`--report-to-mlflow`).
///
/// While a registry version serves, it carries the tags `vigil.serving=true`, `vigil.host` and
/// `vigil.since`; `vigil.serving=false` once it no longer serves here (version change or shutdown).
/// Every interval the version's live figures (request and row rates, error ratio, latency
/// quantiles, drift scores) go to one run per served version in the report experiment; the run
/// ends FINISHED with the version. Local, `runs:/` and logged models have no registry version:
/// they get the run only.
///
/// It runs as its own service and only reads the versions' tallies and drift scores, so MLflow
/// being down or slow costs this task time, never a request. Calls have timeouts; a failure
/// episode logs one warning, and reporting resumes when the server answers again.
package struct MLflowReporter: Service {
    let slot: ModelSlot
    let tracking: MLflowTracking
    let settings: ReportSettings
    let host: String
    let vigilVersion: String
    let logger: Logger
    /// The longest shutdown waits for the final writes.
    let finishDeadline: Duration

    package init(
        slot: ModelSlot, tracking: MLflowTracking, settings: ReportSettings, host: String, vigilVersion: String,
        logger: Logger, finishDeadline: Duration = .seconds(5)
    ) {
        self.slot = slot
        self.tracking = tracking
        self.settings = settings
        self.host = host
        self.vigilVersion = vigilVersion
        self.logger = logger
        self.finishDeadline = finishDeadline
    }

    package func run() async {
        let session = ReportSession(reporter: self)
        // Tag the version and open its run at once; a shutdown cancels this too, as every tick below.
        await cancelWhenGracefulShutdown { await session.tick(recording: false) }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let interval = settings.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            // What a cancelled tick had not sent is sent by `finish`.
            await cancelWhenGracefulShutdown { await session.tick(recording: true) }
        }
        // Best effort, bounded: a hung tracking server must not hold up the exit.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await session.finish() }
            group.addTask { [finishDeadline] in try? await Task.sleep(for: finishDeadline) }
            await group.next()
            group.cancelAll()
        }
    }
}

/// The reporter's state: the version being reported, its run and what is not sent yet.
actor ReportSession {
    /// Metrics kept for a later try while MLflow is unreachable; the oldest go first beyond this.
    static let maxPending = 20_000

    struct Target {
        let model: ServedModel
        let since: Date
        var runID: String?
        /// `vigil.serving=true` and friends are on the registry version.
        var tagged = false
        var last: TallySnapshot
        var step = 0
        var pending: [MLflowMetric] = []
    }

    let reporter: MLflowReporter
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    private var lastTick = 0.0
    private var experimentID: String?
    private var target: Target?
    private var failing = false

    init(reporter: MLflowReporter) {
        self.reporter = reporter
        origin = clock.now
    }

    private var tracking: MLflowTracking { reporter.tracking }
    private var logger: Logger { reporter.logger }

    private func elapsed() -> Double {
        let duration = clock.now - origin
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// One interval: notices a version change, records the interval's figures and sends what it can.
    func tick(recording: Bool) async {
        let now = elapsed()
        let served = reporter.slot.current
        if let old = target, served.map({ $0.metrics !== old.model.metrics }) ?? true {
            await close(old, at: now, next: served?.registryVersion)
            target = nil
        }
        if target == nil, let served {
            // The version arrived after the previous tick: count its requests from then.
            target = Target(
                model: served, since: Date(), last: .zero(at: lastTick, latencyBounds: served.metrics.tally.latencyBounds))
        }
        lastTick = now
        guard var current = target else { return }
        if recording { current = record(current, at: now) }
        current = await open(current)
        current = await flush(current)
        target = current
    }

    /// Shutdown: the last interval, the run FINISHED, the version no longer serving.
    func finish() async {
        guard let current = target else { return }
        target = nil
        await close(current, at: elapsed(), next: nil)
    }

    // MARK: Steps

    /// Adds the figures since the last snapshot to what is pending.
    private func record(_ target: Target, at seconds: Double) -> Target {
        var target = target
        let snapshot = target.model.metrics.tally.snapshot(at: seconds)
        let interval = ServingInterval(from: target.last, to: snapshot)
        let timestamp = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        var values = interval.namedValues
        if let drift = target.model.drift {
            drift.updateScores()  // as a scrape does; scores exist once the window holds enough rows
            values += Self.driftValues(drift.report())
        }
        var seen = Set<String>()
        for (name, value) in values {
            var key = MLflowTracking.sanitizedKey(name)
            // Two feature names can sanitize alike; keep both series apart.
            var n = 2
            while seen.contains(key) {
                key = MLflowTracking.sanitizedKey(name + "_\(n)")
                n += 1
            }
            seen.insert(key)
            target.pending.append(MLflowMetric(key: key, value: value, timestamp: timestamp, step: target.step))
        }
        if target.pending.count > Self.maxPending { target.pending.removeFirst(target.pending.count - Self.maxPending) }
        target.last = snapshot
        target.step += 1
        return target
    }

    /// `drift.<method>.<feature>` per feature, `prediction_drift.<method>` for the prediction.
    static func driftValues(_ report: (features: [DriftScore], prediction: DriftScore?, windowRows: Int)) -> [(
        name: String, value: Double
    )] {
        var values: [(String, Double)] = []
        for score in report.features {
            for (method, value) in score.scores.sorted(by: { $0.key < $1.key }) {
                values.append(("drift.\(method).\(score.feature)", value))
            }
        }
        if let prediction = report.prediction {
            for (method, value) in prediction.scores.sorted(by: { $0.key < $1.key }) {
                values.append(("prediction_drift.\(method)", value))
            }
        }
        return values
    }

    /// Tags the registry version as serving here and starts its run, whichever is not done yet.
    private func open(_ target: Target) async -> Target {
        var target = target
        if !target.tagged, let version = target.model.registryVersion {
            // `vigil.serving=true` last: whoever sees it can rely on the other two.
            let versionTags = [
                ("vigil.host", reporter.host), ("vigil.since", Self.iso8601(target.since)), ("vigil.serving", "true"),
            ]
            let failed = await attempt("tag the model version") {
                for (key, value) in versionTags {
                    try await self.tracking.setModelVersionTag(name: version.name, version: version.version, key: key, value: value)
                }
            }
            target.tagged = failed == nil
        }
        return await startRun(target)
    }

    /// Starts the version's run in the report experiment, unless it has one.
    private func startRun(_ target: Target) async -> Target {
        var target = target
        if target.runID == nil {
            let labels = target.model.labels
            let name = target.model.registryVersion?.name ?? labels.name
            let version = target.model.registryVersion?.version ?? labels.version
            var runTags = [
                MLflowTag("vigil.model_name", name), MLflowTag("vigil.model_version", version),
                MLflowTag("vigil.model_uri", labels.uri), MLflowTag("vigil.host", reporter.host),
                MLflowTag("vigil.version", reporter.vigilVersion), MLflowTag("vigil.flavor", labels.flavor),
                MLflowTag("vigil.runtime", labels.runtime), MLflowTag("mlflow.source.name", "vigil serve"),
            ]
            if !labels.runID.isEmpty { runTags.append(MLflowTag("vigil.source_run_id", labels.runID)) }
            let experiment = reporter.settings.experiment
            let runName = "serving \(name) v\(version) @ \(reporter.host)"
            let start = Int64((target.since.timeIntervalSince1970 * 1000).rounded())
            let tags = runTags
            var created: String?
            let failed = await attempt("start the serving run") {
                let id: String
                if let known = self.experimentID {
                    id = known
                } else {
                    id = try await self.tracking.experimentID(named: experiment)
                    self.experimentID = id
                }
                created = try await self.tracking.createRun(experimentID: id, name: runName, startTime: start, tags: tags)
            }
            if case MLflowError.api(_, "RESOURCE_DOES_NOT_EXIST", _, _)? = failed { experimentID = nil }
            if let created {
                target.runID = created
                logger.info(
                    "reporting to MLflow",
                    metadata: ["run_id": "\(created)", "experiment": "\(experiment)", "run_name": "\(runName)"])
            }
        }
        return target
    }

    /// Sends pending metrics in batches within MLflow's limits; what fails to arrive stays pending.
    private func flush(_ target: Target) async -> Target {
        var target = target
        guard let runID = target.runID else { return target }
        for batch in MLflowTracking.batches(metrics: target.pending, params: [], tags: []) {
            let failed = await attempt("log serving metrics") { try await self.tracking.logBatch(runID: runID, batch) }
            switch failed {
            case nil:
                target.pending.removeFirst(batch.metrics.count)
            case MLflowError.api(_, "RESOURCE_DOES_NOT_EXIST", _, _)?:
                target.runID = nil  // the run was deleted: start another next time, keep the metrics
                return target
            case MLflowError.api?, MLflowError.invalid?:
                target.pending.removeFirst(batch.metrics.count)  // the server will never take these
            default:
                return target  // unreachable: try again next interval
            }
        }
        return target
    }

    /// Ends a version's reporting: its last interval, its run FINISHED, and `vigil.serving=false`
    /// unless the next version is the same registry version.
    private func close(_ target: Target, at seconds: Double, next: RegistryVersion?) async {
        var target = record(target, at: seconds)
        if target.runID == nil && !target.pending.isEmpty { target = await startRun(target) }
        target = await flush(target)
        if let runID = target.runID {
            let end = Int64((Date().timeIntervalSince1970 * 1000).rounded())
            _ = await attempt("finish the serving run") {
                try await self.tracking.updateRun(runID: runID, status: "FINISHED", endTime: end)
            }
        }
        if target.tagged, let version = target.model.registryVersion, version != next {
            _ = await attempt("untag the model version") {
                try await self.tracking.setModelVersionTag(
                    name: version.name, version: version.version, key: "vigil.serving", value: "false")
            }
        }
        if !target.pending.isEmpty {
            logger.debug("serving metrics not sent to MLflow", metadata: ["metrics": "\(target.pending.count)"])
        }
    }

    // MARK: Failure episodes

    /// Runs one MLflow write; returns its error. The first failure after a success logs a warning,
    /// later ones only at debug, and the first success after them says MLflow answers again.
    private func attempt(_ what: String, _ operation: () async throws -> Void) async -> (any Error)? {
        do {
            try await operation()
            if failing {
                failing = false
                logger.notice("MLflow reporting resumed")
            }
            return nil
        } catch {
            if failing {
                logger.debug("MLflow reporting still failing", metadata: ["action": "\(what)", "error": "\(error)"])
            } else {
                failing = true
                logger.warning(
                    "MLflow reporting failed; serving continues, retrying each interval",
                    metadata: ["action": "\(what)", "error": "\(error)"])
            }
            return error
        }
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
