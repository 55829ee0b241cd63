import Foundation
import Testing

@testable import VigilDoctor

/// Answers canned JSON by path; an unknown host is unreachable.
struct FakeHTTP: HTTPGetting {
    struct Unreachable: Error {}
    var answers: [String: String]
    var readyHosts: Set<String> = []

    func get(_ url: URL) async throws -> (status: Int, body: Data) {
        if url.path == "/-/ready" || url.path == "/api/v2/alerts" {
            guard let host = url.host, readyHosts.contains(host) else { throw Unreachable() }
            return (200, Data((url.path == "/-/ready" ? "OK" : #"[{"labels":{"alertname":"Watchdog"}}]"#).utf8))
        }
        guard url.host == "prom" else { throw Unreachable() }
        if url.path == "/api/v1/query" {
            let query = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?.first?.value ?? ""
            let key = answers.keys.first { query.contains($0) } ?? ""
            return (200, Data((answers[key] ?? #"{"status":"success","data":{"resultType":"vector","result":[]}}"#).utf8))
        }
        guard let body = answers[url.path] else { return (404, Data("404 page not found".utf8)) }
        return (200, Data(body.utf8))
    }
}

@Suite struct DoctorRunTests {
    @Test func unreachablePrometheusExitsTwo() async {
        let report = await Doctor(options: DoctorOptions(prometheus: "http://nowhere:9090"), http: FakeHTTP(answers: [:])).run()
        #expect(report.exitCode == 2)
        #expect(report.findings.map(\.severity) == [.fail])
        #expect(report.text.contains("cannot query http://nowhere:9090"))
    }

    @Test func brokenStackExitsOneAndNamesEveryProblem() async {
        let http = FakeHTTP(answers: [
            "/api/v1/targets": targetsJSON,
            "/api/v1/rules": rulesJSON,
            "/api/v1/alertmanagers": #"{"status":"success","data":{"activeAlertmanagers":[{"url":"http://am:9093/api/v2/alerts"}]}}"#,
            "/api/v1/status/tsdb": #"{"status":"success","data":{"seriesCountByMetricName":[{"name":"up","value":2}]}}"#,
            "mlflow_inference_latency_seconds_count|": #"""
                {"status":"success","data":{"resultType":"vector","result":[
                  {"metric":{"__name__":"vigil_build_info"},"value":[1,"1"]}]}}
                """#,
        ])
        let report = await Doctor(options: DoctorOptions(prometheus: "http://prom:9090/"), http: http).run()
        #expect(report.exitCode == 1)
        let text = report.text
        #expect(text.contains("job=vigil instance=127.0.0.1:9 is down"))
        #expect(text.contains("mlflow_predictions_total{job=\"vigil\"} is missing"))
        #expect(!text.contains("vigil_build_info{job=\"vigil\"} is missing"))
        #expect(text.contains("[FAIL] alertmanager: http://am:9093 is not ready"))
        #expect(text.contains("[OK]   watchdog"))
    }

    @Test func explicitAlertmanagerIsChecked() async {
        let http = FakeHTTP(answers: ["/api/v1/targets": targetsJSON, "/api/v1/rules": rulesJSON], readyHosts: ["am"])
        let report = await Doctor(options: DoctorOptions(prometheus: "http://prom:9090", alertmanager: "http://am:9093"),
                                  http: http).run()
        #expect(report.text.contains("[OK]   alertmanager: http://am:9093 is ready"))
        #expect(report.text.contains("[OK]   watchdog: Watchdog reached http://am:9093"))
    }
}
