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
    /// Requests holding this version; a replaced version is retired once it drops to zero.
    package let requests = RequestCount()
    /// The model registry version this is, when `--model` went through the registry (`models:/NAME/…`);
    /// nil for local, `runs:/` and logged models, which have no version to tag.
    package let registryVersion: RegistryVersion?

    package init(
        labels: ModelLabels, scorer: Scorer, metrics: ModelMetrics, drift: DriftMonitor? = nil, quality: QualityMonitor? = nil,
        registryVersion: RegistryVersion? = nil
    ) {
        self.labels = labels
        self.scorer = scorer
        self.metrics = metrics
        self.drift = drift
        self.quality = quality
        self.registryVersion = registryVersion
    }
}

/// A registered model's name and version in the MLflow model registry.
package struct RegistryVersion: Sendable, Equatable {
    package var name: String
    package var version: String

    package init(name: String, version: String) {
        self.name = name
        self.version = version
    }
}

/// How many requests hold one served version. Unlike the `mlflow_inference_in_flight` gauge it
/// can be read, and `ModelSlot` counts a request in the same lock that hands the version out.
package final class RequestCount: Sendable {
    private let count = Atomic<Int>(0)

    package init() {}

    package var value: Int { count.load(ordering: .acquiring) }

    func begin() { count.wrappingAdd(1, ordering: .relaxed) }

    package func end() { count.wrappingSubtract(1, ordering: .releasing) }
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

    /// The current version, counted as held by one more request until `requests.end()`. Counting
    /// under the slot's lock means that once `swap` returns, nothing new can start on the old version.
    package func acquire() -> ServedModel? {
        model.withLock { current in
            current?.requests.begin()
            return current
        }
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
