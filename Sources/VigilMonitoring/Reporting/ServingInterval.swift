/// What one model version did between two snapshots of its `RequestTally`: the figures the
/// MLflow reporter logs each interval. Pure arithmetic, no clock, no I/O.
package struct ServingInterval: Sendable, Equatable {
    package var seconds: Double
    package var requests: Int
    package var errors: Int
    package var rows: Int
    /// Interval counts per latency bucket, cumulative (Prometheus style; the last is +Inf).
    package var latencyBounds: [Double]
    package var latencyBuckets: [Int]

    /// The difference `new - old`. A counter lower in `new` than in `old` means `old` belongs to
    /// another tally (a reset), so `new` counts from zero, as Prometheus' `increase` treats resets.
    package init(from old: TallySnapshot, to new: TallySnapshot) {
        func delta(_ a: Int, _ b: Int) -> Int { b >= a ? b - a : b }
        seconds = max(new.seconds - old.seconds, 0)
        let reset = new.requests < old.requests || new.latencyBounds != old.latencyBounds
        requests = reset ? new.requests : new.requests - old.requests
        errors = reset ? new.errors : delta(old.errors, new.errors)
        rows = reset ? new.rows : delta(old.rows, new.rows)
        latencyBounds = new.latencyBounds
        latencyBuckets = reset
            ? new.cumulativeBuckets : zip(old.cumulativeBuckets, new.cumulativeBuckets).map { delta($0, $1) }
        // Buckets are read one by one: keep the differences cumulative even if a request slipped in between reads.
        for i in latencyBuckets.indices.dropFirst() where latencyBuckets[i] < latencyBuckets[i - 1] {
            latencyBuckets[i] = latencyBuckets[i - 1]
        }
    }

    /// Requests per second; 0 for an empty interval.
    package var requestRate: Double { seconds > 0 ? Double(requests) / seconds : 0 }
    /// Rows predicted per second.
    package var rowRate: Double { seconds > 0 ? Double(rows) / seconds : 0 }
    /// Failed share of the interval's requests; nil when there were none (0/0 is no information).
    package var errorRatio: Double? { requests > 0 ? Double(min(errors, requests)) / Double(requests) : nil }

    /// The `q`-quantile of latency over the interval, in seconds; nil without observations.
    package func latencyQuantile(_ q: Double) -> Double? {
        Self.quantile(q, bounds: latencyBounds, cumulative: latencyBuckets)
    }

    /// Prometheus' `histogram_quantile`: find the bucket holding rank `q·n` and interpolate linearly
    /// inside it, the first bucket starting at 0; a rank in the +Inf bucket yields the highest
    /// finite bound. `cumulative` has one count per bound plus the +Inf bucket.
    package static func quantile(_ q: Double, bounds: [Double], cumulative: [Int]) -> Double? {
        guard cumulative.count == bounds.count + 1, !bounds.isEmpty, let total = cumulative.last, total > 0,
            (0...1).contains(q)
        else { return nil }
        let rank = q * Double(total)
        guard let b = bounds.indices.first(where: { Double(cumulative[$0]) >= rank }) else {
            return bounds[bounds.count - 1]
        }
        if b == 0 && bounds[0] <= 0 { return bounds[0] }
        let start = b > 0 ? bounds[b - 1] : 0
        let below = b > 0 ? Double(cumulative[b - 1]) : 0
        let count = Double(cumulative[b]) - below
        guard count > 0 else { return bounds[b] }
        return start + (bounds[b] - start) * ((rank - below) / count)
    }

    /// The fixed-name figures of the interval, in the order they are logged. Ratios and quantiles
    /// are left out of an interval without requests rather than logged as 0.
    package var namedValues: [(name: String, value: Double)] {
        var values: [(String, Double)] = [
            ("requests_per_second", requestRate), ("rows_per_second", rowRate),
            ("requests", Double(requests)), ("errors", Double(errors)),
        ]
        if let errorRatio { values.append(("error_ratio", errorRatio)) }
        for (q, name) in [(0.5, "latency_p50_seconds"), (0.95, "latency_p95_seconds"), (0.99, "latency_p99_seconds")] {
            if let value = latencyQuantile(q) { values.append((name, value)) }
        }
        return values
    }
}

extension TallySnapshot {
    /// Nothing counted yet, at `seconds`: the baseline of a version first seen by the reporter.
    package static func zero(at seconds: Double, latencyBounds: [Double]) -> TallySnapshot {
        TallySnapshot(
            seconds: seconds, requests: 0, errors: 0, rows: 0, latencyBounds: latencyBounds,
            cumulativeBuckets: Array(repeating: 0, count: latencyBounds.count + 1))
    }
}
