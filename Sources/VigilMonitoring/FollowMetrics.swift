import Prometheus

/// The series of following a registry alias, stage or `latest`: failed polls, and new versions that
/// were not switched to. They carry `model_name` only, not the version that failed, so a registry
/// that keeps producing broken versions cannot grow the label set.
package final class FollowMetrics: Sendable {
    /// Where a new version failed before it could serve.
    package enum Step: String, Sendable, CaseIterable {
        /// Resolving it through the tracking server or downloading its artifacts.
        case download
        /// Reading the model files and building its runtime (or starting its Python workers).
        case load
        /// Answering the model's input example.
        case warmup
    }

    private let loadFailures: [Step: Counter]
    private let pollFailures: Counter

    package init(registry: MetricsRegistry, modelName: String) {
        let prometheus = registry.prometheus
        var loadFailures: [Step: Counter] = [:]
        for step in Step.allCases {
            loadFailures[step] = prometheus.counter(
                "mlflow_model_load_failures_total", [("model_name", modelName), ("step", step.rawValue)],
                help: "New model versions that failed to download, load or warm up and were not switched to")
        }
        self.loadFailures = loadFailures
        pollFailures = prometheus.counter(
            "mlflow_registry_poll_failures_total", [("model_name", modelName)],
            help: "Registry polls that could not learn which version the followed alias, stage or latest names")
    }

    package func recordLoadFailure(_ step: Step) {
        loadFailures[step]?.increment()
    }

    package func recordPollFailure() {
        pollFailures.increment()
    }
}
