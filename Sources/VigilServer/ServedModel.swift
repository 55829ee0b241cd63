import Synchronization
import VigilModel
import VigilMonitoring

/// One loaded model version with everything a request needs: its scorer and the version's
/// metric handles.
package struct ServedModel: Sendable {
    package let labels: ModelLabels
    package let scorer: Scorer
    package let metrics: ModelMetrics
    /// Drift against the training profile, when the model has one (native runtimes only: the
    /// Python runtime never sees the decoded rows).
    package let drift: DriftMonitor?
    /// Live quality from feedback, when `--feedback` is on.
    package let quality: QualityMonitor?

    package init(
        labels: ModelLabels, scorer: Scorer, metrics: ModelMetrics, drift: DriftMonitor? = nil, quality: QualityMonitor? = nil
    ) {
        self.labels = labels
        self.scorer = scorer
        self.metrics = metrics
        self.drift = drift
        self.quality = quality
    }
}

/// The version being served. Requests read it once; a version change swaps it whole.
package final class ModelSlot: Sendable {
    private let model: Mutex<ServedModel?>

    package init(_ model: ServedModel? = nil) {
        self.model = Mutex(model)
    }

    package var current: ServedModel? {
        model.withLock { $0 }
    }

    /// Puts `new` in place and returns the version it replaced.
    @discardableResult
    package func swap(to new: ServedModel?) -> ServedModel? {
        model.withLock { current in
            let old = current
            current = new
            return old
        }
    }
}
