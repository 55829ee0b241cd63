import Logging
import ServiceLifecycle
import VigilMLflow
import VigilModel
import VigilMonitoring

/// Follows a registry alias, stage or `latest` (`--poll-interval`): polls which version it names
/// and, when that moves, loads the new version beside the served one, warms it up and swaps it
/// into the slot. Requests never wait for any of it. The replaced version is retired once its
/// requests have answered. A version that fails is not switched to, and not retried before its
/// backoff (`RetryBackoff`); a failed poll changes nothing.
package struct RegistryFollower: Service {
    let reference: RegistryReference
    let interval: Duration
    let loader: VersionLoader
    let slot: ModelSlot
    let metrics: FollowMetrics
    /// The registry version served at start (nil when it was not known, e.g. a cached copy without one).
    let servingVersion: String?
    let logger: Logger

    package init(
        reference: RegistryReference, interval: Duration, loader: VersionLoader, slot: ModelSlot, metrics: FollowMetrics,
        servingVersion: String?, logger: Logger
    ) {
        self.reference = reference
        self.interval = interval
        self.loader = loader
        self.slot = slot
        self.metrics = metrics
        self.servingVersion = servingVersion
        self.logger = logger
    }

    /// A replaced version on its way out, with the labels of the one that replaced it.
    typealias Replaced = (old: ServedModel, successor: ModelLabels)

    package func run() async throws {
        logger.info(
            "following the registry",
            metadata: [
                "model.uri": "\(reference.uri)", "version": "\(servingVersion ?? "-")",
                "poll.seconds": "\(interval.components.seconds)",
            ])
        let (replaced, retire) = AsyncStream.makeStream(of: Replaced.self)
        await withDiscardingTaskGroup { group in
            // Retirements are not cancelled by a graceful shutdown: they finish before run returns.
            group.addTask {
                await withDiscardingTaskGroup { retirements in
                    for await (old, successor) in replaced {
                        retirements.addTask { await VersionRetirement.retire(old, replacedBy: successor, logger: logger) }
                    }
                }
            }
            group.addTask {
                _ = await cancelWhenGracefulShutdown { await follow(retire) }
                retire.finish()
            }
        }
    }

    /// The poll loop; returns when cancelled (graceful shutdown).
    func follow(_ retire: AsyncStream<Replaced>.Continuation) async {
        var serving = servingVersion
        var backoff: RetryBackoff?
        var pollFailing = false
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            let version: String
            do {
                version = try await reference.currentVersion()
            } catch {
                if Task.isCancelled { return }
                metrics.recordPollFailure()
                // The first failure of a run at warning; while the server stays down, one line per poll at debug.
                logger.log(
                    level: pollFailing ? .debug : .warning, "registry poll failed; still serving",
                    metadata: ["model.uri": "\(reference.uri)", "version": "\(serving ?? "-")", "error": "\(error)"])
                pollFailing = true
                continue
            }
            if pollFailing {
                logger.info("registry poll recovered", metadata: ["model.uri": "\(reference.uri)", "version": "\(version)"])
                pollFailing = false
            }
            guard version != serving else { continue }
            let now = ContinuousClock.now
            if let backoff, !backoff.allows(version, at: now) { continue }
            switch await switchTo(version, from: serving) {
            case .swapped(let replaced, let newVersion):
                serving = newVersion
                backoff = nil
                if let replaced { retire.yield(replaced) }
            case .unchanged:
                continue
            case .failed(let step, let error):
                metrics.recordLoadFailure(step)
                let next = RetryBackoff(failed: version, at: .now, after: backoff)
                backoff = next
                logger.error(
                    "model update failed; the old version keeps serving",
                    metadata: [
                        "model.uri": "\(reference.uri)", "version": "\(version)", "serving": "\(serving ?? "-")",
                        "step": "\(step.rawValue)", "retry.seconds": "\(RetryBackoff.delay(failures: next.failures).components.seconds)",
                        "error": "\(error)",
                    ])
            case .cancelled:
                return
            }
        }
    }

    enum Outcome {
        case swapped(Replaced?, version: String?)
        /// The reference resolved to the version already served (it moved back, or the server went away in between).
        case unchanged
        case failed(FollowMetrics.Step, any Error)
        case cancelled
    }

    /// Resolves, loads and warms up the version the reference names now, then swaps it in. Whatever
    /// it built and did not swap in is stopped before it returns.
    func switchTo(_ polled: String, from serving: String?) async -> Outcome {
        logger.info(
            "model version moved; loading it beside the served one",
            metadata: ["model.uri": "\(reference.uri)", "version": "\(polled)", "serving": "\(serving ?? "-")"])
        let started = ContinuousClock.now
        let resolved: ResolvedModel
        do {
            resolved = try await loader.resolve()
        } catch {
            return Task.isCancelled ? .cancelled : .failed(.download, error)
        }
        // Resolved again rather than pinned to `polled`: the reference may have moved since, and
        // resolving the reference keeps the cache's record of it for a restart during an outage.
        if resolved.version == serving { return .unchanged }
        let candidate: VersionLoader.Candidate
        do {
            candidate = try await loader.load(resolved, startedAt: started)
        } catch {
            return Task.isCancelled ? .cancelled : .failed(.load, error)
        }
        // A shutdown while it loaded: stop the candidate rather than warm it up or swap it in.
        if Task.isCancelled {
            await loader.discard(candidate)
            return .cancelled
        }
        do {
            try await loader.warmUp(candidate)
        } catch {
            await loader.discard(candidate)
            return .failed(.warmup, error)
        }
        if Task.isCancelled {
            await loader.discard(candidate)
            return .cancelled
        }
        let served: ServedModel
        do {
            served = try loader.publish(candidate)
        } catch {
            await loader.discard(candidate)
            return .failed(.load, error)
        }
        guard let old = slot.swap(to: served) else { return .swapped(nil, version: resolved.version) }
        logger.info(
            "model version switched",
            metadata: [
                "model.uri": "\(reference.uri)", "model.name": "\(served.labels.name)", "from": "\(old.labels.version)",
                "to": "\(served.labels.version)",
            ])
        return .swapped((old, served.labels), version: resolved.version)
    }
}
