import Testing

@testable import VigilMonitoring

@Suite struct ModelMetricsTests {
    let labels = ModelLabels(name: "demo", version: "3", uri: "/m", runID: "abc", flavor: "xgboost", runtime: "native")

    private func exposition(_ registry: MetricsRegistry) -> [Substring] {
        String(decoding: registry.exposition(accept: nil).body, as: UTF8.self).split(separator: "\n")
    }

    @Test func labelsEverySeriesWithModelNameAndVersion() {
        let registry = MetricsRegistry(buildVersion: "9.9.9")
        let metrics = registry.modelMetrics(for: labels)
        metrics.recordLoad(durationSeconds: 0.25, loadedAtUnixSeconds: 1_700_000_000)
        metrics.recordRequest(status: 200, seconds: 0.0003, rows: 5, failure: nil)
        metrics.recordRequest(status: 400, seconds: 0.0001, rows: nil, failure: .schema)
        metrics.recordRequest(status: 418, seconds: 0.0001, rows: nil, failure: .badRequest)
        let lines = exposition(registry)
        let base = #"model_name="demo",model_version="3""#
        for expected in [
            #"vigil_build_info{version="9.9.9"} 1.0"#,
            "mlflow_predictions_total{\(base)} 5",
            "mlflow_prediction_errors_total{\(base),reason=\"schema\"} 1",
            "mlflow_prediction_errors_total{\(base),reason=\"timeout\"} 0",
            "mlflow_inference_requests_total{\(base),code=\"200\"} 1",
            "mlflow_inference_requests_total{\(base),code=\"418\"} 1",
            "mlflow_inference_latency_seconds_count{\(base)} 3",
            "mlflow_inference_latency_seconds_bucket{\(base),le=\"5e-05\"} 0",
            "mlflow_inference_latency_seconds_bucket{\(base),le=\"0.0001\"} 2",
            "mlflow_inference_batch_rows_sum{\(base)} 5.0",
            "mlflow_model_info{\(base),model_uri=\"/m\",run_id=\"abc\",flavor=\"xgboost\",runtime=\"native\"} 1.0",
            "mlflow_model_load_duration_seconds{\(base)} 0.25",
            "mlflow_model_loaded_timestamp_seconds{\(base)} 1700000000.0",
            "mlflow_inference_in_flight{\(base)} 0.0",
        ] {
            #expect(lines.contains(Substring(expected)), "missing \(expected)")
        }
        // Stage histograms exist before any request reaches a stage.
        #expect(lines.contains { $0.hasPrefix("mlflow_inference_stage_seconds_count{\(base),stage=\"predict\"}") })
    }

    @Test func unregisterRemovesTheVersionsSeries() {
        let registry = MetricsRegistry(buildVersion: "1")
        let old = registry.modelMetrics(for: labels)
        old.recordRequest(status: 503, seconds: 0.1, rows: nil, failure: .overloaded)
        var next = labels
        next.version = "4"
        _ = registry.modelMetrics(for: next)
        old.unregister()
        let lines = exposition(registry)
        #expect(!lines.contains { $0.contains(#"model_version="3""#) })
        #expect(lines.contains { $0.contains(#"model_version="4""#) })
    }
}
