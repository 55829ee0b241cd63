import Foundation

// The parts of Prometheus' HTTP API (v1) that `vigil doctor` reads. Fields Prometheus may leave out
// are optional so that older and newer servers decode alike.

/// Prometheus' envelope: `{"status": "success", "data": ...}` or `{"status": "error", "error": ...}`.
public struct APIResponse<T: Decodable & Sendable>: Decodable, Sendable {
    public var status: String
    public var data: T?
    public var errorType: String?
    public var error: String?
}

/// `/api/v1/targets`
public struct TargetsData: Codable, Sendable {
    public var activeTargets: [Target]

    public init(activeTargets: [Target]) { self.activeTargets = activeTargets }
}

public struct Target: Codable, Sendable {
    public var labels: [String: String]
    public var scrapePool: String?
    public var scrapeUrl: String?
    public var lastError: String?
    public var lastScrape: String?
    public var health: String

    public init(job: String, instance: String, health: String, lastError: String? = nil, lastScrape: String? = nil,
                scrapeUrl: String? = nil) {
        self.labels = ["job": job, "instance": instance]
        self.scrapePool = job
        self.health = health
        self.lastError = lastError
        self.lastScrape = lastScrape
        self.scrapeUrl = scrapeUrl
    }

    public var job: String { labels["job"] ?? scrapePool ?? "?" }
    public var instance: String { labels["instance"] ?? scrapeUrl ?? "?" }
}

/// `/api/v1/query` with an instant vector result.
public struct QueryData: Codable, Sendable {
    public var resultType: String
    public var result: [Sample]

    public init(result: [Sample]) {
        self.resultType = "vector"
        self.result = result
    }
}

public struct Sample: Codable, Sendable {
    public var metric: [String: String]
    /// `[unix time, "value"]` on the wire.
    public var value: Double

    public init(metric: [String: String], value: Double) {
        self.metric = metric
        self.value = value
    }

    enum CodingKeys: String, CodingKey { case metric, value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metric = try container.decodeIfPresent([String: String].self, forKey: .metric) ?? [:]
        var pair = try container.nestedUnkeyedContainer(forKey: .value)
        _ = try pair.decode(Double.self)
        let text = try pair.decode(String.self)
        value = Double(text) ?? .nan
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(metric, forKey: .metric)
        var pair = container.nestedUnkeyedContainer(forKey: .value)
        try pair.encode(0.0)
        try pair.encode(String(value))
    }
}

/// `/api/v1/rules`
public struct RulesData: Codable, Sendable {
    public var groups: [RuleGroup]

    public init(groups: [RuleGroup]) { self.groups = groups }
}

public struct RuleGroup: Codable, Sendable {
    public var name: String
    public var file: String?
    public var rules: [Rule]

    public init(name: String, file: String? = nil, rules: [Rule]) {
        self.name = name
        self.file = file
        self.rules = rules
    }
}

public struct Rule: Codable, Sendable {
    public var name: String
    /// "alerting" or "recording".
    public var type: String
    /// "ok", "err" or "unknown" (not evaluated yet).
    public var health: String?
    public var lastError: String?
    /// Alerting rules only: "firing", "pending" or "inactive".
    public var state: String?

    public init(name: String, type: String = "alerting", health: String? = "ok", lastError: String? = nil,
                state: String? = nil) {
        self.name = name
        self.type = type
        self.health = health
        self.lastError = lastError
        self.state = state
    }
}

/// `/api/v1/alertmanagers`
public struct AlertmanagersData: Codable, Sendable {
    public var activeAlertmanagers: [AlertmanagerEntry]
    public var droppedAlertmanagers: [AlertmanagerEntry]?

    public init(active: [String], dropped: [String] = []) {
        activeAlertmanagers = active.map(AlertmanagerEntry.init(url:))
        droppedAlertmanagers = dropped.map(AlertmanagerEntry.init(url:))
    }
}

public struct AlertmanagerEntry: Codable, Sendable {
    /// The push URL, e.g. `http://alertmanager:9093/api/v2/alerts`.
    public var url: String

    public init(url: String) { self.url = url }

    /// The Alertmanager's base URL: the push URL without its `/api/v…/alerts` path.
    public var baseURL: String {
        for suffix in ["/api/v2/alerts", "/api/v1/alerts"] where url.hasSuffix(suffix) {
            return String(url.dropLast(suffix.count))
        }
        return url
    }
}

/// `/api/v1/status/tsdb`
public struct TSDBStatus: Codable, Sendable {
    public var headStats: HeadStats?
    public var seriesCountByMetricName: [NameCount]?
    public var labelValueCountByLabelName: [NameCount]?

    public init(numSeries: Int? = nil, seriesCountByMetricName: [NameCount], labelValueCountByLabelName: [NameCount] = []) {
        headStats = numSeries.map { HeadStats(numSeries: $0) }
        self.seriesCountByMetricName = seriesCountByMetricName
        self.labelValueCountByLabelName = labelValueCountByLabelName
    }
}

public struct HeadStats: Codable, Sendable {
    public var numSeries: Int?
}

public struct NameCount: Codable, Sendable {
    public var name: String
    public var value: Int

    public init(_ name: String, _ value: Int) {
        self.name = name
        self.value = value
    }
}

/// One alert of Alertmanager's `GET /api/v2/alerts` (a bare JSON array, no envelope).
public struct AlertmanagerAlert: Codable, Sendable {
    public var labels: [String: String]

    public init(labels: [String: String]) { self.labels = labels }
}
