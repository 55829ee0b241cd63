import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The thin network layer: one GET, answering status and body.
public protocol HTTPGetting: Sendable {
    func get(_ url: URL) async throws -> (status: Int, body: Data)
}

public struct URLSessionGetter: HTTPGetting {
    public var timeout: TimeInterval

    public init(timeout: TimeInterval = 5) { self.timeout = timeout }

    public func get(_ url: URL) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let (body, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, body)
    }
}

public struct DoctorOptions: Sendable {
    public var prometheus: String
    /// nil: the Alertmanagers Prometheus reports.
    public var alertmanager: String?
    public var job: String
    public var maxSeries: Int

    public init(prometheus: String, alertmanager: String? = nil, job: String = "vigil", maxSeries: Int = 10000) {
        self.prometheus = prometheus
        self.alertmanager = alertmanager
        self.job = job
        self.maxSeries = maxSeries
    }
}

public struct DoctorReport: Sendable {
    public var findings: [Finding]
    /// 0 all OK/WARN, 1 something FAILs, 2 Prometheus unreachable.
    public var exitCode: Int32

    public var text: String {
        let counts = [Finding.Severity.ok, .warn, .fail].map { severity in
            "\(findings.filter { $0.severity == severity }.count) \(severity)"
        }
        return (findings.map(\.line) + ["", counts.joined(separator: ", ")]).joined(separator: "\n") + "\n"
    }
}

struct APIFailure: Error, CustomStringConvertible {
    var description: String
}

/// Runs every check against one Prometheus (and its Alertmanagers).
public struct Doctor: Sendable {
    public var options: DoctorOptions
    public var http: any HTTPGetting

    public init(options: DoctorOptions, http: any HTTPGetting = URLSessionGetter()) {
        self.options = options
        self.http = http
    }

    public func run() async -> DoctorReport {
        var findings: [Finding] = []
        let base = options.prometheus.hasSuffix("/") ? String(options.prometheus.dropLast()) : options.prometheus

        // Reachability first: without Prometheus there is nothing else to ask.
        let targets: [Target]
        do {
            targets = try await api(base, "/api/v1/targets", as: TargetsData.self).activeTargets
        } catch {
            return DoctorReport(findings: [Finding(.fail, "prometheus", "cannot query \(base): \(Self.describe(error))",
                                                   hint: "is Prometheus running there? pass --prometheus or set VIGIL_PROMETHEUS_URL")],
                                exitCode: 2)
        }
        findings.append(Finding(.ok, "prometheus", "\(base) answers"))
        findings += Checks.targets(targets)

        // 2. The Vigil job and its core metrics.
        let job = "job=\"\(escape(options.job))\""
        do {
            let expr = "count by (__name__) ({\(job), __name__=~\"\(coreVigilMetrics.joined(separator: "|"))\"})"
            let present = Set(try await query(base, expr).compactMap { $0.metric["__name__"] })
            findings += Checks.vigilJob(job: options.job, targets: targets, present: present)
        } catch {
            findings.append(Finding(.fail, "vigil-job", "could not query Vigil's metrics: \(Self.describe(error))"))
        }

        // 3. Cardinality: the TSDB's top metrics, then Vigil's series and label values.
        do {
            let tsdb = try? await api(base, "/api/v1/status/tsdb", as: TSDBStatus.self)
            let selector = "{\(job), __name__=~\"mlflow_.+|vigil_.+\"}"
            var vigilSeries: [String: Int] = [:]
            for sample in try await query(base, "count by (__name__) (\(selector))") {
                if let name = sample.metric["__name__"] { vigilSeries[name] = Int(sample.value) }
            }
            var labelValues: [String: [String: Int]] = [:]
            for label in vigilLabels {
                let labelled = "{\(job), __name__=~\"mlflow_.+|vigil_.+\", \(label)!=\"\"}"
                for sample in try await query(base, "count by (__name__) (count by (__name__, \(label)) (\(labelled)))") {
                    if let name = sample.metric["__name__"] { labelValues[label, default: [:]][name] = Int(sample.value) }
                }
            }
            findings += Checks.cardinality(tsdb: tsdb, vigilSeries: vigilSeries, labelValues: labelValues,
                                           maxSeries: options.maxSeries)
        } catch {
            findings.append(Finding(.warn, "cardinality", "could not count series: \(Self.describe(error))"))
        }

        // 4. Rules, and 6. the Watchdog among them.
        var groups: [RuleGroup]?
        do {
            groups = try await api(base, "/api/v1/rules", as: RulesData.self).groups
            findings += Checks.rules(groups ?? [])
        } catch {
            findings.append(Finding(.fail, "rules", "could not list rules: \(Self.describe(error))"))
        }

        // 5. Alertmanager.
        var urls: [String] = []
        var reported = true
        if let explicit = options.alertmanager {
            urls = [explicit.hasSuffix("/") ? String(explicit.dropLast()) : explicit]
        } else {
            do {
                urls = try await api(base, "/api/v1/alertmanagers", as: AlertmanagersData.self)
                    .activeAlertmanagers.map(\.baseURL)
            } catch {
                reported = false
                findings.append(Finding(.fail, "alertmanager", "could not list Prometheus' Alertmanagers: \(Self.describe(error))",
                                        hint: "pass --alertmanager"))
            }
        }
        var readiness: [(url: String, problem: String?)] = []
        if reported {
            for url in urls {
                readiness.append((url, await ready(url)))
            }
            findings += Checks.alertmanagers(readiness, explicit: options.alertmanager != nil)
        }

        // 6. Watchdog: firing in Prometheus, and received by every ready Alertmanager.
        if let groups {
            findings += Checks.watchdog(groups)
            var received: [(url: String, alerts: [AlertmanagerAlert]?)] = []
            for entry in readiness where entry.problem == nil {
                received.append((entry.url, await alerts(entry.url)))
            }
            findings += Checks.watchdogDelivered(groups, received: received)
        }
        return DoctorReport(findings: findings, exitCode: Checks.exitCode(findings))
    }

    // MARK: - HTTP

    func api<T: Decodable & Sendable>(_ base: String, _ path: String, query: [(String, String)] = [],
                                      as type: T.Type) async throws -> T {
        var text = base + path
        if !query.isEmpty {
            text += "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        guard let url = URL(string: text) else { throw APIFailure(description: "bad URL \(text)") }
        let (status, body) = try await http.get(url)
        let decoded: APIResponse<T>
        do {
            decoded = try JSONDecoder().decode(APIResponse<T>.self, from: body)
        } catch {
            throw APIFailure(description: "GET \(path): HTTP \(status), not a Prometheus API answer")
        }
        guard decoded.status == "success", let data = decoded.data else {
            throw APIFailure(description: "GET \(path): HTTP \(status) \(decoded.errorType ?? ""): \(decoded.error ?? "no data")")
        }
        return data
    }

    func query(_ base: String, _ expr: String) async throws -> [Sample] {
        try await api(base, "/api/v1/query", query: [("query", expr)], as: QueryData.self).result
    }

    /// nil when `<alertmanager>/-/ready` answers 200, else what went wrong.
    func ready(_ alertmanager: String) async -> String? {
        guard let url = URL(string: alertmanager + "/-/ready") else { return "bad URL" }
        do {
            let (status, _) = try await http.get(url)
            return status == 200 ? nil : "GET /-/ready answered HTTP \(status)"
        } catch {
            return Self.describe(error)
        }
    }

    /// A transport error in words: URLError's own description is a bare error domain and code on Linux.
    static func describe(_ error: any Error) -> String {
        if let failure = error as? APIFailure { return failure.description }
        if let url = error as? URLError {
            switch url.code {
            case .cannotConnectToHost: return "connection refused"
            case .timedOut: return "timed out"
            case .cannotFindHost, .dnsLookupFailed: return "host not found"
            default: return "\(url.localizedDescription) (URLError \(url.code.rawValue))"
            }
        }
        return "\(error)"
    }

    /// An Alertmanager's current alerts named Watchdog; nil when they cannot be listed.
    func alerts(_ alertmanager: String) async -> [AlertmanagerAlert]? {
        let filter = Self.encode("alertname=\"Watchdog\"")
        guard let url = URL(string: alertmanager + "/api/v2/alerts?filter=" + filter),
              let (status, body) = try? await http.get(url), status == 200 else { return nil }
        return try? JSONDecoder().decode([AlertmanagerAlert].self, from: body)
    }

    /// Percent-encodes everything but unreserved characters: `+` in a regex must not become a space.
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
