import Testing

@testable import VigilMonitoring

@Suite struct ServingIntervalTests {
    let bounds = [0.1, 0.2, 0.5, 1.0]

    /// Per bucket 10, 20, 60, 8 and 2 above 1 s: cumulative 10, 30, 90, 98, 100.
    let cumulative = [10, 30, 90, 98, 100]

    @Test func quantilesInterpolateInsideTheirBucketLikeHistogramQuantile() throws {
        // rank 50 lies 20 into the 60 of (0.2, 0.5]: 0.2 + 0.3 × 20/60.
        #expect(try #require(ServingInterval.quantile(0.5, bounds: bounds, cumulative: cumulative)).isClose(to: 0.3))
        // rank 95 lies 5 into the 8 of (0.5, 1]: 0.5 + 0.5 × 5/8.
        #expect(try #require(ServingInterval.quantile(0.95, bounds: bounds, cumulative: cumulative)).isClose(to: 0.8125))
        // The first bucket starts at 0: rank 5 of 10 in (0, 0.1].
        #expect(try #require(ServingInterval.quantile(0.05, bounds: bounds, cumulative: cumulative)).isClose(to: 0.05))
        // Exactly at a bucket's top count: its upper bound.
        #expect(try #require(ServingInterval.quantile(0.1, bounds: bounds, cumulative: cumulative)).isClose(to: 0.1))
    }

    @Test func aRankInTheInfBucketYieldsTheHighestFiniteBound() {
        // rank 99 is past the 98 at or below 1 s.
        #expect(ServingInterval.quantile(0.99, bounds: bounds, cumulative: cumulative) == 1.0)
        #expect(ServingInterval.quantile(0.5, bounds: bounds, cumulative: [0, 0, 0, 0, 4]) == 1.0)
    }

    @Test func noObservationsNoQuantile() {
        #expect(ServingInterval.quantile(0.5, bounds: bounds, cumulative: [0, 0, 0, 0, 0]) == nil)
        #expect(ServingInterval.quantile(0.5, bounds: bounds, cumulative: [1, 2]) == nil)
        #expect(ServingInterval.quantile(1.5, bounds: bounds, cumulative: cumulative) == nil)
    }

    @Test func ratesAndRatioComeFromTheDifferenceOfTwoSnapshots() throws {
        let old = TallySnapshot(
            seconds: 100, requests: 10, errors: 1, rows: 50, latencyBounds: bounds, cumulativeBuckets: [5, 10, 10, 10, 10])
        let new = TallySnapshot(
            seconds: 160, requests: 110, errors: 26, rows: 350, latencyBounds: bounds,
            cumulativeBuckets: [15, 40, 100, 108, 110])
        let interval = ServingInterval(from: old, to: new)
        #expect(interval.seconds == 60)
        #expect(interval.requests == 100 && interval.errors == 25 && interval.rows == 300)
        #expect(interval.latencyBuckets == cumulative)
        #expect(interval.requestRate.isClose(to: 100.0 / 60))
        #expect(interval.rowRate.isClose(to: 5))
        #expect(interval.errorRatio == 0.25)
        #expect(try #require(interval.latencyQuantile(0.5)).isClose(to: 0.3))
        let names = interval.namedValues.map(\.name)
        #expect(names == [
            "requests_per_second", "rows_per_second", "requests", "errors", "error_ratio", "latency_p50_seconds",
            "latency_p95_seconds", "latency_p99_seconds",
        ])
    }

    @Test func anIdleIntervalHasZeroRatesAndNoRatioOrQuantiles() {
        let snapshot = TallySnapshot(
            seconds: 5, requests: 3, errors: 1, rows: 3, latencyBounds: bounds, cumulativeBuckets: [3, 3, 3, 3, 3])
        var later = snapshot
        later.seconds = 65
        let interval = ServingInterval(from: snapshot, to: later)
        #expect(interval.requestRate == 0 && interval.rowRate == 0)
        #expect(interval.errorRatio == nil)
        #expect(interval.latencyQuantile(0.5) == nil)
        #expect(interval.namedValues.map(\.name) == ["requests_per_second", "rows_per_second", "requests", "errors"])
    }

    @Test func aLowerCounterIsAResetAndCountsFromZero() {
        let old = TallySnapshot(
            seconds: 0, requests: 50, errors: 5, rows: 50, latencyBounds: bounds, cumulativeBuckets: [50, 50, 50, 50, 50])
        let new = TallySnapshot(
            seconds: 10, requests: 4, errors: 1, rows: 4, latencyBounds: bounds, cumulativeBuckets: [0, 4, 4, 4, 4])
        let interval = ServingInterval(from: old, to: new)
        #expect(interval.requests == 4 && interval.errors == 1 && interval.rows == 4)
        #expect(interval.latencyBuckets == [0, 4, 4, 4, 4])
        let zero = TallySnapshot.zero(at: 0, latencyBounds: bounds)
        #expect(ServingInterval(from: zero, to: new).requests == 4)
    }

    @Test func theTallyCountsLikeThePrometheusHistogram() {
        let tally = RequestTally(latencyBounds: bounds)
        tally.record(seconds: 0.1, rows: 2, failed: false)  // le: on the bound counts in that bucket
        tally.record(seconds: 0.15, rows: 3, failed: false)
        tally.record(seconds: 0.7, rows: nil, failed: true)
        tally.record(seconds: 5, rows: nil, failed: true)
        let snapshot = tally.snapshot(at: 1)
        #expect(snapshot.requests == 4 && snapshot.errors == 2 && snapshot.rows == 5)
        #expect(snapshot.cumulativeBuckets == [1, 2, 2, 3, 4])
    }

    @Test func modelMetricsFeedTheTallyOnEveryRequest() {
        let registry = MetricsRegistry(buildVersion: "test")
        let metrics = registry.modelMetrics(
            for: ModelLabels(name: "m", version: "1", uri: "/m", runID: "", flavor: "xgboost", runtime: "native"))
        metrics.recordRequest(status: 200, seconds: 0.0003, rows: 5, failure: nil)
        metrics.recordRequest(status: 400, seconds: 0.0001, rows: nil, failure: .schema)
        let snapshot = metrics.tally.snapshot(at: 0)
        #expect(snapshot.requests == 2 && snapshot.errors == 1 && snapshot.rows == 5)
        #expect(snapshot.latencyBounds == MetricBuckets().latency)
        #expect(snapshot.cumulativeBuckets.last == 2)
    }
}

extension Double {
    func isClose(to other: Double) -> Bool { abs(self - other) <= 1e-12 * max(1, abs(other)) }
}
