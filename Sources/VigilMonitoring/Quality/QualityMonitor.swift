import Prometheus
import Synchronization
import VigilModel

/// A label or a prediction as feedback compares them: numbers (JSON ints, floats and booleans as
/// 1/0; int and float predictions) or strings.
package enum OutcomeValue: Sendable, Equatable, Hashable {
    case number(Double)
    case text(String)

    package var number: Double? {
        if case .number(let x) = self { return x }
        return nil
    }
}

/// Which quality metrics a version gets: accuracy, log-loss and ROC AUC, or MAE and RMSE.
package typealias QualityTask = PredictionTask

/// One prediction with its ground truth.
package struct LabelledRow: Sendable, Equatable {
    package var label: OutcomeValue
    package var prediction: OutcomeValue
    /// P(class 1) for a binary classifier whose runtime exposes it; nil otherwise.
    package var probability: Double?

    package init(label: OutcomeValue, prediction: OutcomeValue, probability: Double? = nil) {
        self.label = label
        self.prediction = prediction
        self.probability = probability
    }
}

/// Live quality of one served version over its last `windowSize` labelled rows, exported as
/// `mlflow_model_quality{metric}`.
///
/// Feedback arrives off the request path (`POST /feedback`), so one lock guards the window; the
/// metrics are computed from it at each scrape (`updateScores`), never per row. A metric's series
/// appears once it is defined (AUC needs both classes and probabilities), absent rather than 0.
package final class QualityMonitor: Sendable {
    package static let classificationMetrics = ["accuracy", "log_loss", "auc"]
    package static let regressionMetrics = ["mae", "rmse"]

    package let labels: ModelLabels
    package let windowSize: Int
    private let registry: PrometheusCollectorRegistry
    /// The task the runtime declared: read without the lock (the request path asks for it).
    private let declaredTask: QualityTask?
    private let state: Mutex<State>
    private let rowsTotal: Counter
    private let windowRows: Gauge

    private struct State: ~Copyable {
        var task: QualityTask?
        var rows: [LabelledRow] = []
        var next = 0
        var gauges: [String: Gauge] = [:]
    }

    /// `task` nil: the first labelled row decides (a string or integer-valued prediction makes
    /// a classifier, anything else a regressor).
    package init(labels: ModelLabels, registry: PrometheusCollectorRegistry, windowSize: Int = 1000, task: QualityTask? = nil) {
        precondition(windowSize > 0, "windowSize must be positive")
        self.labels = labels
        self.windowSize = windowSize
        self.registry = registry
        declaredTask = task
        state = Mutex(State(task: task))
        rowsTotal = registry.counter(
            "mlflow_feedback_rows_total", labels.pairs, help: "Predicted rows matched with a ground-truth label")
        windowRows = registry.gauge(
            "mlflow_model_quality_window_rows", labels.pairs, help: "Labelled rows in the quality window")
    }

    /// The task the window scores, once known.
    package var task: QualityTask? { declaredTask ?? state.withLock { $0.task } }

    /// Whether `label` can be scored against `prediction` for this version (a regressor needs
    /// numbers on both sides).
    package func accepts(label: OutcomeValue, prediction: OutcomeValue) -> Bool {
        switch task ?? Self.infer(prediction) {
        case .classification: true
        case .regression: label.number != nil && prediction.number != nil
        }
    }

    static func infer(_ prediction: OutcomeValue) -> QualityTask {
        switch prediction {
        case .text: .classification
        case .number(let x): x.rounded() == x ? .classification : .regression
        }
    }

    /// Adds labelled rows to the window, oldest out first.
    package func record(_ rows: [LabelledRow]) {
        guard !rows.isEmpty else { return }
        state.withLock { state in
            if state.task == nil { state.task = Self.infer(rows[0].prediction) }
            for row in rows {
                if state.rows.count < windowSize {
                    state.rows.append(row)
                } else {
                    state.rows[state.next] = row
                }
                state.next = (state.next + 1) % windowSize
            }
        }
        rowsTotal.increment(by: Int64(rows.count))
    }

    /// The metrics of the current window (metric name → value), only those defined.
    package func scores() -> [String: Double] {
        let (task, rows) = state.withLock { ($0.task, $0.rows) }
        guard let task else { return [:] }
        return Self.scores(task: task, rows: rows)
    }

    package static func scores(task: QualityTask, rows: [LabelledRow]) -> [String: Double] {
        var out: [String: Double] = [:]
        switch task {
        case .classification:
            out["accuracy"] = QualityMetrics.accuracy(correct: rows.map { $0.label == $0.prediction })
            // Log-loss and AUC: binary 0/1 labels with the runtime's P(class 1).
            var truth: [Bool] = [], probabilities: [Double] = []
            for row in rows {
                guard let p = row.probability, let y = row.label.number, y == 0 || y == 1 else { continue }
                truth.append(y == 1)
                probabilities.append(p)
            }
            out["log_loss"] = QualityMetrics.logLoss(labels: truth, probabilities: probabilities)
            out["auc"] = QualityMetrics.rocAUC(labels: truth, scores: probabilities)
        case .regression:
            var y: [Double] = [], p: [Double] = []
            for row in rows {
                guard let label = row.label.number, let prediction = row.prediction.number else { continue }
                y.append(label)
                p.append(prediction)
            }
            out["mae"] = QualityMetrics.meanAbsoluteError(labels: y, predictions: p)
            out["rmse"] = QualityMetrics.rootMeanSquaredError(labels: y, predictions: p)
        }
        return out
    }

    /// Recomputes the metrics from the window and updates the series (call before a scrape).
    package func updateScores() {
        let (task, rows) = state.withLock { ($0.task, $0.rows) }
        windowRows.set(to: Double(rows.count))
        guard let task else { return }
        let scores = Self.scores(task: task, rows: rows)
        state.withLock { state in
            for (metric, value) in scores {
                let gauge = state.gauges[metric] ?? registry.gauge(
                    "mlflow_model_quality", labels.pairs + [("metric", metric)],
                    help: "Live model quality over the last labelled rows (feedback), by metric")
                state.gauges[metric] = gauge
                gauge.set(to: value)
            }
        }
    }

    /// Removes this version's series (the version was unloaded).
    package func unregister() {
        registry.unregisterCounter(rowsTotal)
        registry.unregisterGauge(windowRows)
        for gauge in state.withLock({ Array($0.gauges.values) }) { registry.unregisterGauge(gauge) }
    }
}

/// Process-wide feedback counters: feedback that matched no remembered prediction.
package struct FeedbackCounters: Sendable {
    /// Request ids Vigil does not remember (never seen, or pushed out of the window).
    package let unknown: Counter
    /// Entries that could not be scored (wrong label count, wrong label type).
    package let invalid: Counter
    /// Entries for a request that was already labelled (a request is scored once).
    package let duplicate: Counter

    package init(registry: PrometheusCollectorRegistry) {
        func counter(_ reason: String) -> Counter {
            registry.counter(
                "mlflow_feedback_unmatched_total", [("reason", reason)],
                help: "Feedback entries not matched with a prediction, by reason (unknown, invalid, duplicate)")
        }
        unknown = counter("unknown")
        invalid = counter("invalid")
        duplicate = counter("duplicate")
    }
}
