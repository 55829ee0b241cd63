import Logging
import VigilMonitoring

/// Retires a version that a newer one replaced in its slot: once the last request holding it has
/// answered, its series (metrics, drift and quality) are removed and its Python workers stopped.
package enum VersionRetirement {
    /// Waits for `old`'s requests to finish, then releases what it holds. `successor` is the version
    /// that replaced it: when both carry the same name and version labels (`--model-version` fixed),
    /// the registry handed both the same series, which must stay.
    package static func retire(_ old: ServedModel, replacedBy successor: ModelLabels, logger: Logger) async {
        let clock = ContinuousClock()
        let start = clock.now
        // Polled rather than signalled: this runs once per registry move, and the slot no longer
        // hands the old version out, so the count only goes down.
        while old.requests.value > 0 {
            do {
                try await Task.sleep(for: .milliseconds(10))
            } catch {
                break  // the process is being torn down without a graceful shutdown
            }
        }
        let sharesSeries = old.labels.name == successor.name && old.labels.version == successor.version
        if !sharesSeries {
            old.metrics.unregister()
            old.drift?.unregister()
            old.quality?.unregister()
        }
        if case .python(let pool) = old.scorer {
            await pool.shutdown()
        }
        logger.info(
            "model version retired",
            metadata: [
                "model.name": "\(old.labels.name)", "model.version": "\(old.labels.version)",
                "drain.ms": "\(Int(((clock.now - start) / .milliseconds(1)).rounded()))",
            ])
    }
}
