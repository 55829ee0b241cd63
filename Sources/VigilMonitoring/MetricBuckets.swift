/// Histogram bucket bounds. Native inference takes tens of microseconds and the Python bridge
/// tens of milliseconds, so latency buckets span 50 µs to 30 s.
package struct MetricBuckets: Sendable, Equatable {
    package var latency: [Double]
    package var stage: [Double]
    package var batchRows: [Double]

    package init(
        latency: [Double] = [
            0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
        ],
        stage: [Double] = [
            0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
            0.5, 1, 2.5, 10,
        ],
        batchRows: [Double] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
    ) {
        precondition(latency == latency.sorted() && stage == stage.sorted(), "histogram buckets must ascend")
        self.latency = latency
        self.stage = stage
        self.batchRows = batchRows
    }
}
