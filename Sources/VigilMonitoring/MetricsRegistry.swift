import Prometheus

/// Vigil's metric registry: the process-wide series and a factory for per-version ones.
package final class MetricsRegistry: Sendable {
    package let prometheus: PrometheusCollectorRegistry
    package let buckets: MetricBuckets

    package init(buildVersion: String, buckets: MetricBuckets = MetricBuckets()) {
        prometheus = PrometheusCollectorRegistry()
        self.buckets = buckets
        prometheus.gauge(
            "vigil_build_info", [("version", buildVersion)], help: "Vigil build (always 1)"
        ).set(to: 1)
    }

    /// Registers the series of a newly loaded model version.
    package func modelMetrics(for model: ModelLabels) -> ModelMetrics {
        ModelMetrics(registry: prometheus, model: model, buckets: buckets)
    }

    /// The exposition in the format the scraper asked for with its `Accept` header.
    package func exposition(accept: String?) -> (contentType: String, body: [UInt8]) {
        let text = prometheus.emitToBuffer()
        if Exposition.prefersOpenMetrics(accept: accept) {
            return (Exposition.openMetricsContentType, Exposition.openMetrics(fromText: text))
        }
        return (Exposition.textContentType, text)
    }
}
