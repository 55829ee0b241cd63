import Foundation
import Testing

@testable import VigilDoctor

func decode<T: Decodable & Sendable>(_ type: T.Type, _ json: String) throws -> T {
    let answer = try JSONDecoder().decode(APIResponse<T>.self, from: Data(json.utf8))
    return try #require(answer.data)
}

// Shapes as Prometheus 2.x answers them (trimmed).
let targetsJSON = """
    {"status":"success","data":{"activeTargets":[
      {"discoveredLabels":{"__address__":"127.0.0.1:9"},"labels":{"instance":"127.0.0.1:9","job":"vigil"},
       "scrapePool":"vigil","scrapeUrl":"http://127.0.0.1:9/metrics","globalUrl":"http://h:9/metrics",
       "lastError":"Get \\"http://127.0.0.1:9/metrics\\": dial tcp 127.0.0.1:9: connect: connection refused",
       "lastScrape":"2026-11-25T20:00:00.1Z","lastScrapeDuration":0.0004,"health":"down",
       "scrapeInterval":"1s","scrapeTimeout":"1s"},
      {"discoveredLabels":{},"labels":{"instance":"127.0.0.1:9100","job":"node"},"scrapePool":"node",
       "scrapeUrl":"http://127.0.0.1:9100/metrics","globalUrl":"","lastError":"",
       "lastScrape":"2026-11-25T20:00:00.2Z","lastScrapeDuration":0.01,"health":"up",
       "scrapeInterval":"1s","scrapeTimeout":"1s"}
    ],"droppedTargets":[]}}
    """

let rulesJSON = """
    {"status":"success","data":{"groups":[
      {"name":"vigil.recording","file":"/etc/prometheus/rules/recording.yml","interval":15,"limit":0,"rules":[
        {"name":"model_version:mlflow_predictions:rate5m","query":"sum(rate(x[5m]))","health":"ok",
         "evaluationTime":0.0001,"lastEvaluation":"2026-11-25T20:00:00Z","type":"recording"}]},
      {"name":"vigil.alerts","file":"/etc/prometheus/rules/alerts.yml","interval":15,"limit":0,"rules":[
        {"state":"inactive","name":"VigilDown","query":"up{job=\\"vigil\\"} == 0","duration":60,"labels":{},
         "annotations":{},"alerts":[],"health":"ok","evaluationTime":0.0001,"lastEvaluation":"2026-11-25T20:00:00Z","type":"alerting"},
        {"state":"firing","name":"Watchdog","query":"vector(1)","duration":0,"labels":{},"annotations":{},
         "alerts":[{"labels":{"alertname":"Watchdog"},"annotations":{},"state":"firing","activeAt":"2026-11-25T19:00:00Z","value":"1e+00"}],
         "health":"ok","evaluationTime":0.0001,"lastEvaluation":"2026-11-25T20:00:00Z","type":"alerting"}]}
    ]}}
    """

@Suite struct DecodingTests {
    @Test func decodesTargetsRulesAndTheRest() throws {
        let targets = try decode(TargetsData.self, targetsJSON).activeTargets
        #expect(targets.map(\.job) == ["vigil", "node"])
        #expect(targets[0].health == "down")
        let groups = try decode(RulesData.self, rulesJSON).groups
        #expect(groups.flatMap(\.rules).map(\.name).contains("Watchdog"))

        let query = try decode(QueryData.self, """
            {"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"__name__":"mlflow_model_info"},"value":[1764100800.123,"3"]}]}}
            """)
        #expect(query.result[0].value == 3 && query.result[0].metric["__name__"] == "mlflow_model_info")

        let managers = try decode(AlertmanagersData.self, """
            {"status":"success","data":{"activeAlertmanagers":[{"url":"http://127.0.0.1:9093/api/v2/alerts"}],
             "droppedAlertmanagers":[]}}
            """)
        #expect(managers.activeAlertmanagers.map(\.baseURL) == ["http://127.0.0.1:9093"])

        let tsdb = try decode(TSDBStatus.self, """
            {"status":"success","data":{"headStats":{"numSeries":508,"numLabelPairs":900,"chunkCount":600,
             "minTime":1,"maxTime":2},"seriesCountByMetricName":[{"name":"node_cpu_seconds_total","value":64}],
             "labelValueCountByLabelName":[{"name":"__name__","value":300}],
             "memoryInBytesByLabelName":[],"seriesCountByLabelValuePair":[]}}
            """)
        #expect(tsdb.headStats?.numSeries == 508 && tsdb.seriesCountByMetricName?.first?.value == 64)
    }
}

@Suite struct TargetsCheckTests {
    @Test func downTargetFailsWithItsErrorAndLastScrape() throws {
        let findings = Checks.targets(try decode(TargetsData.self, targetsJSON).activeTargets)
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.severity == .fail)
        #expect(finding.message.contains("job=vigil instance=127.0.0.1:9"))
        #expect(finding.message.contains("connection refused"))
        #expect(finding.message.contains("2026-11-25T20:00:00.1Z"))
    }

    @Test func allUpIsOK() {
        let findings = Checks.targets([Target(job: "vigil", instance: "a:8001", health: "up"),
                                       Target(job: "node", instance: "b:9100", health: "up")])
        #expect(findings.map(\.severity) == [.ok])
        #expect(findings[0].message.contains("2 targets up"))
    }

    @Test func neverScrapedSaysSo() {
        let findings = Checks.targets([Target(job: "x", instance: "y", health: "unknown", lastError: "",
                                              lastScrape: "0001-01-01T00:00:00Z")])
        #expect(findings[0].severity == .fail)
        #expect(findings[0].message.contains("last scrape: never"))
    }

    @Test func noTargetsWarns() {
        #expect(Checks.targets([]).map(\.severity) == [.warn])
    }
}

@Suite struct VigilJobCheckTests {
    let up = [Target(job: "vigil", instance: "v:8001", health: "up")]

    @Test func everythingPresentIsOK() {
        let findings = Checks.vigilJob(job: "vigil", targets: up, present: Set(coreVigilMetrics))
        #expect(findings.allSatisfy { $0.severity == .ok })
    }

    @Test func missingMetricFailsWithARelabelingHint() {
        let findings = Checks.vigilJob(job: "vigil", targets: up,
                                       present: Set(coreVigilMetrics).subtracting(["mlflow_predictions_total"]))
        let failed = findings.filter { $0.severity == .fail }
        #expect(failed.count == 1)
        #expect(failed[0].message.contains("mlflow_predictions_total"))
        #expect(failed[0].hint?.contains("metric_relabel_configs") == true)
    }

    @Test func missingJobFailsAndNamesTheJobsThereAre() {
        let findings = Checks.vigilJob(job: "vigil", targets: [Target(job: "node", instance: "n", health: "up")], present: [])
        #expect(findings.filter { $0.severity == .fail }.count == 1 + coreVigilMetrics.count)
        #expect(findings[0].message.contains("jobs: node"))
        #expect(findings.last?.hint?.contains("wrong job name") == true)
    }

    @Test func allVigilTargetsDownFails() {
        let findings = Checks.vigilJob(job: "vigil", targets: [Target(job: "vigil", instance: "v", health: "down")],
                                       present: [])
        #expect(findings[0].severity == .fail && findings[0].message.contains("0 of 1"))
        #expect(findings.last?.hint?.contains("no Vigil target is up") == true)
    }
}

@Suite struct CardinalityCheckTests {
    @Test func quietStoreIsOKAndListsTheTop() {
        let tsdb = TSDBStatus(numSeries: 500, seriesCountByMetricName: [NameCount("node_cpu_seconds_total", 64), NameCount("up", 3)])
        let findings = Checks.cardinality(tsdb: tsdb, vigilSeries: ["mlflow_model_info": 1],
                                          labelValues: ["model_version": ["mlflow_model_info": 2]], maxSeries: 10000)
        #expect(findings.allSatisfy { $0.severity == .ok })
        #expect(findings[0].message.contains("node_cpu_seconds_total=64"))
        #expect(findings[0].message.contains("500 head series"))
    }

    @Test func topTenOnly() {
        let many = (1...15).map { NameCount("m\($0)", $0) }
        let findings = Checks.cardinality(tsdb: TSDBStatus(seriesCountByMetricName: many), vigilSeries: [:],
                                          labelValues: [:], maxSeries: 10000)
        #expect(findings[0].message.contains("m15=15") && findings[0].message.contains("m6=6"))
        #expect(!findings[0].message.contains("m5=5"))
    }

    @Test func metricAboveMaxSeriesWarns() {
        let tsdb = TSDBStatus(seriesCountByMetricName: [NameCount("http_requests_total", 20000)])
        let findings = Checks.cardinality(tsdb: tsdb, vigilSeries: ["mlflow_inference_latency_seconds_bucket": 12000],
                                          labelValues: [:], maxSeries: 10000)
        let warned = findings.filter { $0.severity == .warn }.map(\.message)
        #expect(warned.count == 2)
        #expect(warned.contains { $0.contains("http_requests_total has 20000") })
        #expect(warned.contains { $0.contains("mlflow_inference_latency_seconds_bucket has 12000") })
    }

    @Test func perModelLabelAboveFiftyWarns() {
        let findings = Checks.cardinality(tsdb: nil, vigilSeries: [:], labelValues: [
            "model_version": ["mlflow_predictions_total": 51, "mlflow_model_info": 3],
            "reason": ["mlflow_prediction_errors_total": 60],  // not per model: no warning
        ], maxSeries: 10000)
        let warned = findings.filter { $0.severity == .warn }
        #expect(warned.count == 1)
        #expect(warned[0].message.contains("model_version has 51 values on mlflow_predictions_total"))
    }

    @Test func fiftyIsFine() {
        let findings = Checks.cardinality(tsdb: nil, vigilSeries: [:],
                                          labelValues: ["model_version": ["mlflow_predictions_total": 50]], maxSeries: 10000)
        #expect(findings.allSatisfy { $0.severity == .ok })
    }
}

@Suite struct RulesCheckTests {
    @Test func healthyRulesAreOK() throws {
        let findings = Checks.rules(try decode(RulesData.self, rulesJSON).groups)
        #expect(findings.map(\.severity) == [.ok])
        #expect(findings[0].message.contains("3 rules in 2 groups"))
    }

    @Test func brokenRuleFailsWithItsError() {
        let findings = Checks.rules([RuleGroup(name: "g", file: "alerts.yml", rules: [
            Rule(name: "Good"),
            Rule(name: "Bad", health: "err", lastError: "many-to-many matching not allowed"),
        ])])
        #expect(findings.count == 1 && findings[0].severity == .fail)
        #expect(findings[0].message.contains("Bad") && findings[0].message.contains("many-to-many"))
        #expect(findings[0].message.contains("alerts.yml"))
    }

    @Test func noRulesWarns() {
        #expect(Checks.rules([]).map(\.severity) == [.warn])
        #expect(Checks.rules([RuleGroup(name: "empty", rules: [])]).map(\.severity) == [.warn])
    }

    @Test func notYetEvaluatedWarns() {
        let findings = Checks.rules([RuleGroup(name: "g", rules: [Rule(name: "A", health: "unknown"), Rule(name: "B")])])
        #expect(findings.map(\.severity) == [.warn])
    }
}

@Suite struct AlertmanagerCheckTests {
    @Test func noneFails() {
        let findings = Checks.alertmanagers([], explicit: false)
        #expect(findings.map(\.severity) == [.fail])
        #expect(findings[0].message.contains("no Alertmanager"))
    }

    @Test func unreachableFailsReadyIsOK() {
        let findings = Checks.alertmanagers([("http://a:9093", nil), ("http://b:9093", "connection refused")], explicit: false)
        #expect(findings.map(\.severity) == [.ok, .fail])
        #expect(findings[1].message.contains("http://b:9093") && findings[1].message.contains("connection refused"))
    }
}

@Suite struct WatchdogCheckTests {
    @Test func firingIsOK() throws {
        #expect(Checks.watchdog(try decode(RulesData.self, rulesJSON).groups).map(\.severity) == [.ok])
    }

    @Test func inactiveWarns() {
        let findings = Checks.watchdog([RuleGroup(name: "g", rules: [Rule(name: "Watchdog", state: "inactive")])])
        #expect(findings.map(\.severity) == [.warn])
        #expect(findings[0].message.contains("dead man's switch is silent"))
    }

    @Test func missingWarns() {
        let findings = Checks.watchdog([RuleGroup(name: "g", rules: [Rule(name: "VigilDown", state: "firing")])])
        #expect(findings.map(\.severity) == [.warn])
        #expect(findings[0].message.contains("no Watchdog"))
    }
}

@Suite struct WatchdogDeliveryTests {
    let firing = [RuleGroup(name: "meta", rules: [Rule(name: "Watchdog", state: "firing")])]

    @Test func receivedIsOKMissingWarns() throws {
        let alerts = try JSONDecoder().decode([AlertmanagerAlert].self, from: Data("""
            [{"annotations":{},"endsAt":"2026-11-25T20:10:00Z","fingerprint":"a","receivers":[{"name":"deadmansswitch"}],
              "startsAt":"2026-11-25T20:00:00Z","status":{"inhibitedBy":[],"silencedBy":[],"state":"active"},
              "updatedAt":"2026-11-25T20:00:00Z","generatorURL":"http://p/graph","labels":{"alertname":"Watchdog","severity":"none"}}]
            """.utf8))
        let findings = Checks.watchdogDelivered(firing, received: [("http://a:9093", alerts), ("http://b:9093", []),
                                                                   ("http://c:9093", nil)])
        #expect(findings.map(\.severity) == [.ok, .warn, .warn])
        #expect(findings[1].message.contains("http://b:9093 never received it"))
    }

    @Test func notFiringSaysNothingMore() {
        let quiet = [RuleGroup(name: "meta", rules: [Rule(name: "Watchdog", state: "inactive")])]
        #expect(Checks.watchdogDelivered(quiet, received: [("http://b:9093", [])]).isEmpty)
    }
}

@Suite struct ReportTests {
    @Test func exitCodesAndLines() {
        #expect(Checks.exitCode([Finding(.ok, "a", "x"), Finding(.warn, "b", "y")]) == 0)
        #expect(Checks.exitCode([Finding(.ok, "a", "x"), Finding(.fail, "b", "y")]) == 1)
        #expect(Finding(.fail, "rules", "broken", hint: "fix it").line == "[FAIL] rules: broken -> fix it")
        #expect(Finding(.ok, "rules", "fine").line == "[OK]   rules: fine")
    }

    @Test func queryEncodingKeepsPlusSigns() {
        #expect(Doctor.encode("mlflow_.+|a b") == "mlflow_.%2B%7Ca%20b")
    }
}
