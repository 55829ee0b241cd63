import Prometheus
import Synchronization
import VigilModel

/// The series of one served model version, resolved once at load so a request touches only
/// pre-built handles.
package final class ModelMetrics: Sendable {
    package let labels: ModelLabels
    package let latency: ValueHistogram
    package let predictions: Counter
    package let batchRows: ValueHistogram
    package let inFlight: Gauge
    package let decode: ValueHistogram
    package let predict: ValueHistogram
    package let encode: ValueHistogram
    /// The same requests, readable back (for the MLflow reporter); the Prometheus series are write-only.
    package let tally: RequestTally
    private let errors: [ScoringError.Reason: Counter]
    private let info: Gauge
    private let loadDuration: Gauge
    private let loadedTimestamp: Gauge
    private let requestsByCode: Mutex<[Int: Counter]>
    private let registry: PrometheusCollectorRegistry

    init(registry: PrometheusCollectorRegistry, model: ModelLabels, buckets: MetricBuckets) {
        self.registry = registry
        self.labels = model
        let base = model.pairs
        latency = registry.histogram(
            "mlflow_inference_latency_seconds", base, buckets: buckets.latency, help: "End-to-end latency of /invocations requests in seconds")
        tally = RequestTally(latencyBounds: buckets.latency)
        predictions = registry.counter(
            "mlflow_predictions_total", base, help: "Rows predicted successfully")
        batchRows = registry.histogram(
            "mlflow_inference_batch_rows", base, buckets: buckets.batchRows, help: "Rows per /invocations request")
        inFlight = registry.gauge(
            "mlflow_inference_in_flight", base, help: "/invocations requests being served")
        func stage(_ name: String) -> ValueHistogram {
            registry.histogram(
            "mlflow_inference_stage_seconds", base + [("stage", name)], buckets: buckets.stage, help: "Time spent in each stage of an /invocations request in seconds")
        }
        decode = stage("decode")
        predict = stage("predict")
        encode = stage("encode")
        var errors: [ScoringError.Reason: Counter] = [:]
        for reason in ScoringError.Reason.allCases {
            errors[reason] = registry.counter(
            "mlflow_prediction_errors_total", base + [("reason", reason.rawValue)],
                help: "Failed /invocations requests by reason")
        }
        self.errors = errors
        info = registry.gauge(
            "mlflow_model_info", base + [
                ("model_uri", model.uri), ("run_id", model.runID), ("flavor", model.flavor), ("runtime", model.runtime),
            ],
            help: "The model version being served (always 1)")
        info.set(to: 1)
        loadDuration = registry.gauge(
            "mlflow_model_load_duration_seconds", base, help: "Time it took to load the model in seconds")
        loadedTimestamp = registry.gauge(
            "mlflow_model_loaded_timestamp_seconds", base,
            help: "Unix time at which the model version was loaded")
        var byCode: [Int: Counter] = [:]
        for code in [200, 400, 413, 415, 500, 503, 504] {
            byCode[code] = Self.makeRequestCounter(registry, base, code)
        }
        requestsByCode = Mutex(byCode)
    }

    private static func makeRequestCounter(
        _ registry: PrometheusCollectorRegistry, _ base: [(String, String)], _ code: Int
    ) -> Counter {
        registry.counter(
            "mlflow_inference_requests_total", base + [("code", String(code))],
            help: "/invocations requests by HTTP status code")
    }

    /// Records when the version finished loading and how long it took.
    package func recordLoad(durationSeconds: Double, loadedAtUnixSeconds: Double) {
        loadDuration.set(to: durationSeconds)
        loadedTimestamp.set(to: loadedAtUnixSeconds)
    }

    /// Counts one finished request: its status, its latency and, when it failed, why.
    package func recordRequest(status: Int, seconds: Double, rows: Int?, failure: ScoringError.Reason?) {
        latency.record(seconds)
        requestCounter(status).increment()
        if let rows {
            predictions.increment(by: Int64(rows))
            batchRows.record(Double(rows))
        }
        if let failure { errors[failure]?.increment() }
        tally.record(seconds: seconds, rows: rows, failed: !(200..<300).contains(status))
    }

    private func requestCounter(_ status: Int) -> Counter {
        requestsByCode.withLock { counters in
            if let counter = counters[status] { return counter }
            let counter = Self.makeRequestCounter(registry, labels.pairs, status)
            counters[status] = counter
            return counter
        }
    }

    /// Removes every series of this version from the registry (the version was unloaded).
    package func unregister() {
        for histogram in [latency, batchRows, decode, predict, encode] { registry.unregisterValueHistogram(histogram) }
        for gauge in [inFlight, info, loadDuration, loadedTimestamp] { registry.unregisterGauge(gauge) }
        registry.unregisterCounter(predictions)
        for counter in errors.values { registry.unregisterCounter(counter) }
        for counter in requestsByCode.withLock({ Array($0.values) }) { registry.unregisterCounter(counter) }
    }
}

/// What identifies a served model version in every series.
package struct ModelLabels: Sendable, Equatable {
    package var name: String
    package var version: String
    package var uri: String
    package var runID: String
    package var flavor: String
    package var runtime: String

    package init(name: String, version: String, uri: String, runID: String, flavor: String, runtime: String) {
        self.name = name
        self.version = version
        self.uri = uri
        self.runID = runID
        self.flavor = flavor
        self.runtime = runtime
    }

    /// The two labels every per-model series carries, always in this order (order is identity
    /// in swift-prometheus).
    var pairs: [(String, String)] { [("model_name", name), ("model_version", version)] }
}
