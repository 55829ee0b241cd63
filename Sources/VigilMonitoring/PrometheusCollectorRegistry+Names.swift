import Prometheus

// Vigil names each metric in full (`mlflow_predictions_total`) so the catalogue reads the same
// in code, in DESIGN.md and in PromQL.
extension PrometheusCollectorRegistry {
    func counter(_ name: String, _ labels: [(String, String)], help: String) -> Counter {
        makeCounter(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    func gauge(_ name: String, _ labels: [(String, String)], help: String) -> Gauge {
        makeGauge(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    func histogram(_ name: String, _ labels: [(String, String)], buckets: [Double], help: String) -> ValueHistogram {
        makeValueHistogram(
            descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels, buckets: buckets)
    }
}
