import Foundation

/// The outcome of one check: a line of `vigil doctor`'s report.
public struct Finding: Sendable, Equatable {
    public enum Severity: Int, Sendable, Comparable, CustomStringConvertible {
        case ok, warn, fail
        public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
        public var description: String { ["OK", "WARN", "FAIL"][rawValue] }
    }

    public var severity: Severity
    /// Which check: targets, vigil-job, cardinality, rules, alertmanager, watchdog.
    public var check: String
    public var message: String
    /// What to do about it; nil when there is nothing to do.
    public var hint: String?

    public init(_ severity: Severity, _ check: String, _ message: String, hint: String? = nil) {
        self.severity = severity
        self.check = check
        self.message = message
        self.hint = hint
    }

    /// `[FAIL] targets: job=node instance=… is down … → fix: …`
    public var line: String {
        let tag = "[\(severity)]".padding(toLength: 6, withPad: " ", startingAt: 0)
        return "\(tag) \(check): \(message)" + (hint.map { " -> \($0)" } ?? "")
    }
}

/// Vigil's core metrics (DESIGN.md §5): without these the dashboards and alerts see nothing.
public let coreVigilMetrics = [
    "mlflow_inference_latency_seconds_count",
    "mlflow_predictions_total",
    "mlflow_prediction_errors_total",
    "mlflow_model_info",
    "vigil_build_info",
]

/// Labels whose value count grows with the models and versions loaded: more than
/// `perModelLabelLimit` distinct values means versions are not being unloaded, or a wrapper adds ids.
public let perModelLabels = ["model_name", "model_version", "model_uri", "run_id"]
public let perModelLabelLimit = 50

/// Labels of Vigil's series whose value counts `vigil doctor` measures.
public let vigilLabels = perModelLabels + ["reason", "code", "stage", "feature", "method", "instance"]

/// Pure checks over decoded API answers: no network, so each unit-tests on recorded JSON.
public enum Checks {
    // 1. Targets that Prometheus cannot scrape.
    public static func targets(_ targets: [Target]) -> [Finding] {
        if targets.isEmpty {
            return [Finding(.warn, "targets", "Prometheus has no active scrape targets",
                            hint: "check scrape_configs in prometheus.yml (and service discovery)")]
        }
        let down = targets.filter { $0.health != "up" }
        if down.isEmpty {
            let jobs = Set(targets.map(\.job)).sorted().joined(separator: ", ")
            return [Finding(.ok, "targets", "all \(targets.count) targets up (jobs: \(jobs))")]
        }
        return down.map { target in
            let error = target.lastError.flatMap { $0.isEmpty ? nil : $0 } ?? "no error recorded (not scraped yet?)"
            let when = target.lastScrape.flatMap { $0.hasPrefix("0001-") ? nil : $0 } ?? "never"
            return Finding(.fail, "targets",
                           "job=\(target.job) instance=\(target.instance) is \(target.health): \(error) (last scrape: \(when))",
                           hint: "is the process running and listening on that address? does the scrape URL/port match?")
        }
    }

    // 2. The Vigil job exists and exposes its core metrics.
    /// `present` holds the metric names found with `job=<job>`.
    public static func vigilJob(job: String, targets: [Target], present: Set<String>) -> [Finding] {
        let mine = targets.filter { $0.job == job }
        var findings: [Finding] = []
        if mine.isEmpty {
            let jobs = Set(targets.map(\.job)).sorted().joined(separator: ", ")
            findings.append(Finding(.fail, "vigil-job", "no scrape target has job=\"\(job)\" (jobs: \(jobs.isEmpty ? "none" : jobs))",
                                    hint: "add Vigil's operations port (:8001) as job \"\(job)\" (deploy/prometheus/prometheus.yml), or pass --job"))
        } else {
            let up = mine.filter { $0.health == "up" }.count
            findings.append(Finding(up > 0 ? .ok : .fail, "vigil-job", "job \"\(job)\": \(up) of \(mine.count) targets up",
                                    hint: up > 0 ? nil : "every Vigil target is down: see the targets check"))
        }
        let missing = coreVigilMetrics.filter { !present.contains($0) }
        if missing.isEmpty {
            findings.append(Finding(.ok, "vigil-job", "all \(coreVigilMetrics.count) core Vigil metrics present"))
        } else {
            let why = mine.isEmpty
                ? "wrong job name? the rules and dashboards match job=\"\(job)\""
                : !mine.contains(where: { $0.health == "up" })
                ? "no Vigil target is up: fix the targets FAIL first"
                : "dropped by metric_relabel_configs? scraping the scoring port (:8000) instead of :8001? no model loaded?"
            for name in missing {
                findings.append(Finding(.fail, "vigil-job", "\(name){job=\"\(job)\"} is missing", hint: why))
            }
        }
        return findings
    }

    // 3. Cardinality.
    /// `vigilSeries`: series per Vigil metric name; `labelValues`: label -> metric -> distinct values.
    public static func cardinality(tsdb: TSDBStatus?, vigilSeries: [String: Int], labelValues: [String: [String: Int]],
                                   maxSeries: Int) -> [Finding] {
        var findings: [Finding] = []
        if let top = tsdb?.seriesCountByMetricName, !top.isEmpty {
            let leaders = top.sorted { $0.value > $1.value }.prefix(10)
            let total = tsdb?.headStats?.numSeries.map { "\($0) head series; " } ?? ""
            findings.append(Finding(.ok, "cardinality",
                                    total + "top metrics: " + leaders.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")))
            for entry in leaders where entry.value > maxSeries {
                findings.append(Finding(.warn, "cardinality", "\(entry.name) has \(entry.value) series (> \(maxSeries))",
                                        hint: "find the exploding label (count by (label) (\(entry.name))) and drop it with metric_relabel_configs"))
            }
        }
        for (name, count) in vigilSeries.sorted(by: { $0.key < $1.key }) where count > maxSeries
            && !(tsdb?.seriesCountByMetricName?.prefix(10).contains { $0.name == name && $0.value > maxSeries } ?? false) {
            findings.append(Finding(.warn, "cardinality", "\(name) has \(count) series (> \(maxSeries))",
                                    hint: "old model versions not unloaded, or labels added outside Vigil's catalogue"))
        }
        for label in labelValues.keys.sorted() {
            guard let worst = labelValues[label]?.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })
            else { continue }
            if perModelLabels.contains(label), worst.value > perModelLabelLimit {
                findings.append(Finding(.warn, "cardinality",
                                        "\(label) has \(worst.value) values on \(worst.key) (> \(perModelLabelLimit))",
                                        hint: "Vigil removes a version's series on unload: are many replicas serving different versions, or is a wrapper stamping ids into \(label)?"))
            }
        }
        if !labelValues.isEmpty {
            let summary = labelValues.keys.sorted().compactMap { label -> String? in
                guard let most = labelValues[label]?.values.max() else { return nil }
                return "\(label)=\(most)"
            }
            if !summary.isEmpty {
                findings.append(Finding(.ok, "cardinality", "Vigil label values (most on any metric): " + summary.joined(separator: ", ")))
            }
        }
        if findings.isEmpty {
            findings.append(Finding(.ok, "cardinality", "no series to count"))
        }
        return findings
    }

    // 4. Rules.
    public static func rules(_ groups: [RuleGroup]) -> [Finding] {
        let count = groups.reduce(0) { $0 + $1.rules.count }
        if count == 0 {
            return [Finding(.warn, "rules", "no recording or alerting rules loaded",
                            hint: "list deploy/prometheus/rules/*.yml under rule_files: in prometheus.yml (paths relative to it)")]
        }
        var findings: [Finding] = []
        var unevaluated = 0
        for group in groups {
            for rule in group.rules {
                let error = rule.lastError ?? ""
                if rule.health == "err" || !error.isEmpty {
                    findings.append(Finding(.fail, "rules",
                                            "\(rule.type) rule \(rule.name) in group \(group.name)\(group.file.map { " (\($0))" } ?? ""): \(error.isEmpty ? "health \(rule.health ?? "?")" : error)",
                                            hint: "evaluate the expression in the Prometheus UI; `promtool check rules` the file"))
                } else if rule.health != "ok" {
                    unevaluated += 1
                }
            }
        }
        if unevaluated > 0 {
            findings.append(Finding(.warn, "rules", "\(unevaluated) of \(count) rules not evaluated yet",
                                    hint: "wait an evaluation_interval and run again"))
        }
        if findings.isEmpty {
            findings.append(Finding(.ok, "rules", "\(count) rules in \(groups.count) groups, all healthy"))
        }
        return findings
    }

    // 5. Alertmanager.
    /// `readiness`: Alertmanager base URL -> nil when `/-/ready` answered 200, else what went wrong.
    public static func alertmanagers(_ readiness: [(url: String, problem: String?)], explicit: Bool) -> [Finding] {
        if readiness.isEmpty {
            return [Finding(.fail, "alertmanager", "Prometheus has no Alertmanager: alerts fire and nobody hears them",
                            hint: "configure alerting.alertmanagers in prometheus.yml, or pass --alertmanager")]
        }
        return readiness.map { entry in
            if let problem = entry.problem {
                return Finding(.fail, "alertmanager", "\(entry.url) is not ready: \(problem)",
                               hint: explicit ? "is Alertmanager running at that URL?"
                                   : "is Alertmanager running? (doctor asks from this machine: if that name only resolves inside the stack, pass --alertmanager)")
            }
            return Finding(.ok, "alertmanager", "\(entry.url) is ready")
        }
    }

    // 6. Watchdog, the dead man's switch.
    public static func watchdog(_ groups: [RuleGroup]) -> [Finding] {
        let rules = groups.flatMap(\.rules).filter { $0.type == "alerting" && $0.name == "Watchdog" }
        if rules.isEmpty {
            return [Finding(.warn, "watchdog", "no Watchdog alert rule: the dead man's switch is silent",
                            hint: "load deploy/prometheus/rules/alerts.yml (alert Watchdog, expr vector(1)) and route it to an external heartbeat")]
        }
        if rules.contains(where: { $0.state == "firing" }) {
            return [Finding(.ok, "watchdog", "Watchdog is firing")]
        }
        let state = rules.compactMap(\.state).first ?? "unknown"
        return [Finding(.warn, "watchdog", "Watchdog is \(state), not firing: the dead man's switch is silent",
                        hint: "the rule evaluation is broken or its `for:` has not elapsed; see docs/runbooks/Watchdog.md")]
    }

    /// 6b. A firing Watchdog that never reaches Alertmanager is as silent as none.
    /// `received`: ready Alertmanager URL -> its alerts, or nil when they could not be listed.
    public static func watchdogDelivered(_ groups: [RuleGroup], received: [(url: String, alerts: [AlertmanagerAlert]?)]) -> [Finding] {
        let firing = groups.flatMap(\.rules).contains { $0.type == "alerting" && $0.name == "Watchdog" && $0.state == "firing" }
        guard firing else { return [] }
        return received.compactMap { entry in
            guard let alerts = entry.alerts else {
                return Finding(.warn, "watchdog", "could not list the alerts of \(entry.url)")
            }
            if alerts.contains(where: { $0.labels["alertname"] == "Watchdog" }) {
                return Finding(.ok, "watchdog", "Watchdog reached \(entry.url)")
            }
            return Finding(.warn, "watchdog", "Watchdog fires in Prometheus but \(entry.url) never received it: the dead man's switch is silent",
                           hint: "Prometheus cannot deliver to this Alertmanager (check its notifier errors: prometheus_notifications_errors_total), or it only just started")
        }
    }

    /// 0 when everything is OK or WARN, 1 when anything FAILs.
    public static func exitCode(_ findings: [Finding]) -> Int32 {
        findings.contains { $0.severity == .fail } ? 1 : 0
    }
}
