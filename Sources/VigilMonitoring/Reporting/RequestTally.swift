import Synchronization

/// Running totals of one model version's requests that Vigil itself can read back:
/// swift-prometheus keeps its counters and histogram buckets private, so the MLflow reporter
/// reads these instead. Relaxed atomics only, no lock: recording costs a few uncontended adds.
package final class RequestTally: Sendable {
    /// Upper bounds of the latency buckets (seconds, ascending), as in the Prometheus histogram.
    package let latencyBounds: [Double]
    private let requests = Atomic<Int>(0)
    private let errors = Atomic<Int>(0)
    private let rows = Atomic<Int>(0)
    /// Per-bucket (not cumulative) counts; the last cell is the +Inf bucket.
    private let buckets: [Cell]

    private final class Cell: Sendable {
        let count = Atomic<Int>(0)
    }

    package init(latencyBounds: [Double]) {
        self.latencyBounds = latencyBounds
        buckets = (0...latencyBounds.count).map { _ in Cell() }
    }

    /// Counts one finished request; `failed` for any non-2xx answer.
    package func record(seconds: Double, rows: Int?, failed: Bool) {
        requests.add(1, ordering: .relaxed)
        if failed { errors.add(1, ordering: .relaxed) }
        if let rows, rows > 0 { self.rows.add(rows, ordering: .relaxed) }
        buckets[Self.bucket(of: seconds, in: latencyBounds)].count.add(1, ordering: .relaxed)
    }

    /// The first bucket whose upper bound is at or above `value` (`le` semantics); `bounds.count` is +Inf.
    static func bucket(of value: Double, in bounds: [Double]) -> Int {
        var low = 0, high = bounds.count
        while low < high {
            let mid = (low + high) / 2
            if value <= bounds[mid] { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// The totals now. Fields are read one by one, so a request finishing meanwhile may show in
    /// some and not others; the next snapshot catches up.
    package func snapshot(at seconds: Double) -> TallySnapshot {
        var cumulative: [Int] = []
        cumulative.reserveCapacity(buckets.count)
        var total = 0
        for cell in buckets {
            total += cell.count.load(ordering: .relaxed)
            cumulative.append(total)
        }
        return TallySnapshot(
            seconds: seconds, requests: requests.load(ordering: .relaxed), errors: errors.load(ordering: .relaxed),
            rows: rows.load(ordering: .relaxed), latencyBounds: latencyBounds, cumulativeBuckets: cumulative)
    }
}

/// A `RequestTally` read at one moment.
package struct TallySnapshot: Sendable, Equatable {
    /// When it was taken, on a monotonic clock in seconds.
    package var seconds: Double
    package var requests: Int
    package var errors: Int
    package var rows: Int
    package var latencyBounds: [Double]
    /// Cumulative counts per bucket, Prometheus style; the last one is the +Inf bucket.
    package var cumulativeBuckets: [Int]

    package init(seconds: Double, requests: Int, errors: Int, rows: Int, latencyBounds: [Double], cumulativeBuckets: [Int]) {
        precondition(cumulativeBuckets.count == latencyBounds.count + 1, "one cumulative count per bound, plus +Inf")
        self.seconds = seconds
        self.requests = requests
        self.errors = errors
        self.rows = rows
        self.latencyBounds = latencyBounds
        self.cumulativeBuckets = cumulativeBuckets
    }
}
