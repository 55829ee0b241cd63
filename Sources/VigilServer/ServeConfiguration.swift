import VigilMonitoring
import VigilPython

/// Everything `vigil serve` needs, resolved from flags, then `VIGIL_*` environment variables,
/// then defaults.
package struct ServeConfiguration: Sendable {
    package var host: String = "127.0.0.1"
    package var port: Int = 8000
    package var metricsPort: Int = 8001
    /// A local MLflow model directory.
    package var model: String
    /// `model_name` label; defaults to the model directory's name.
    package var modelName: String?
    /// `model_version` label; defaults to the start of the MLmodel's `model_uuid`.
    package var modelVersion: String?
    /// A drift profile; by default `vigil_profile.json` in the model directory, if present.
    package var profile: String?
    package var drift = DriftSettings()
    package var limits = ScoringLimits()
    /// Which runtime serves the model, and how Python workers run when one is needed.
    package var loader = ModelLoader()
    package var buckets = MetricBuckets()
    /// Which HTTP stack carries the scoring port (`VIGIL_HTTP_STACK`); both answer the same,
    /// the choice exists so the two can be measured side by side.
    package var httpStack = HTTPStack.nio
    /// Seconds between polls of the registry when `model` names an alias, a stage or `latest`; 0 turns following off.
    package var pollInterval = 30
    /// Event loop threads of the NIO scoring port (`VIGIL_EVENT_LOOPS`); nil: one per core.
    package var eventLoops: Int?
    /// Writing the served version's state and live metrics back to MLflow (`--report-to-mlflow`).
    package var report = ReportSettings()
    /// Live quality from ground truth (`--feedback`); nil when off.
    package var feedback: FeedbackSettings?

    /// How feedback remembers requests and scores labels.
    package struct FeedbackSettings: Sendable, Equatable {
        /// Requests whose predictions are remembered for labels (about the last N).
        package var window = 10_000
        /// Labelled rows each version's quality metrics are computed over.
        package var qualityWindow = 1000
        /// The durable inference log's directory, when asked for.
        package var inferenceLog: String?
        /// Most bytes the log's files may hold together; the oldest file goes first.
        package var inferenceLogMaxBytes = 100_000_000
        /// fsync(2) each record before answering (survives a machine crash, costs a disk flush).
        package var inferenceLogFsync = false

        package init() {}
    }

    package enum HTTPStack: String, Sendable {
        case nio, hummingbird
    }

    package init(model: String) {
        self.model = model
    }
}

/// Whether and how often the MLflow reporter logs, and where.
package struct ReportSettings: Sendable, Equatable {
    package var enabled = false
    package var interval: Duration = .seconds(60)
    package var experiment = "vigil-serving"

    package init(enabled: Bool = false, interval: Duration = .seconds(60), experiment: String = "vigil-serving") {
        self.enabled = enabled
        self.interval = interval
        self.experiment = experiment
    }
}
