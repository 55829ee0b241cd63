import Testing

@testable import VigilMonitoring

@Suite struct ExpositionTests {
    @Test(arguments: [
        (nil, false),
        ("text/plain;version=0.0.4;q=0.5,*/*;q=0.1", false),
        ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
            + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1", true),
        ("text/plain, application/openmetrics-text;q=0.3", false),
        ("application/json", false),
    ] as [(String?, Bool)])
    func negotiatesFormat(accept: String?, openMetrics: Bool) {
        #expect(Exposition.prefersOpenMetrics(accept: accept) == openMetrics)
    }

    @Test func openMetricsStripsCounterSuffixAndEnds() {
        let text = """
            # HELP mlflow_predictions_total Rows predicted successfully
            # TYPE mlflow_predictions_total counter
            mlflow_predictions_total{model_name="m",model_version="1"} 3
            # HELP mlflow_inference_in_flight In flight
            # TYPE mlflow_inference_in_flight gauge
            mlflow_inference_in_flight{model_name="m",model_version="1"} 0

            """
        let converted = String(decoding: Exposition.openMetrics(fromText: Array(text.utf8)), as: UTF8.self)
        #expect(
            converted == """
                # HELP mlflow_predictions Rows predicted successfully
                # TYPE mlflow_predictions counter
                mlflow_predictions_total{model_name="m",model_version="1"} 3
                # HELP mlflow_inference_in_flight In flight
                # TYPE mlflow_inference_in_flight gauge
                mlflow_inference_in_flight{model_name="m",model_version="1"} 0
                # EOF

                """)
    }
}
