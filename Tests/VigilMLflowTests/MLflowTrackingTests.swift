import Testing

@testable import VigilMLflow

@Suite struct MLflowTrackingTests {
    func metrics(_ count: Int) -> [MLflowMetric] {
        (0..<count).map { MLflowMetric(key: "m\($0)", value: Double($0), timestamp: 1, step: 0) }
    }

    func tags(_ count: Int, _ prefix: String) -> [MLflowTag] {
        (0..<count).map { MLflowTag("\(prefix)\($0)", "v") }
    }

    @Test func metricsSplitAtAThousand() {
        #expect(MLflowTracking.batches(metrics: [], params: [], tags: []).isEmpty)
        #expect(MLflowTracking.batches(metrics: metrics(1000), params: [], tags: []).map(\.metrics.count) == [1000])
        let split = MLflowTracking.batches(metrics: metrics(2500), params: [], tags: [])
        #expect(split.map(\.metrics.count) == [1000, 1000, 500])
        #expect(split.flatMap(\.metrics) == metrics(2500))
    }

    @Test func tagsAndParamsSplitAtAHundredAndShareTheEntityLimit() {
        let split = MLflowTracking.batches(metrics: metrics(1950), params: tags(250, "p"), tags: tags(150, "t"))
        #expect(split.map(\.tags.count) == [100, 50, 0])
        #expect(split.map(\.params.count) == [100, 100, 50])
        #expect(split.map(\.metrics.count) == [800, 850, 300])
        for batch in split {
            #expect(batch.metrics.count + batch.params.count + batch.tags.count <= MLflowTracking.maxEntitiesPerBatch)
        }
        #expect(split.flatMap(\.metrics) == metrics(1950))
        #expect(split.flatMap(\.params) == tags(250, "p"))
        #expect(split.flatMap(\.tags) == tags(150, "t"))
    }

    @Test func keysKeepMLflowsCharactersOnly() {
        #expect(MLflowTracking.sanitizedKey("drift.psi.credit_score") == "drift.psi.credit_score")
        #expect(MLflowTracking.sanitizedKey("drift.psi.loan amount: 2-y") == "drift.psi.loan amount: 2-y")
        #expect(MLflowTracking.sanitizedKey("drift.psi.älter(€)") == "drift.psi._lter___")
        // A slash would make the key a path that may resolve to another name.
        #expect(MLflowTracking.sanitizedKey("drift.psi.a/../b") == "drift.psi.a_.._b")
        #expect(MLflowTracking.sanitizedKey("") == "_")
        #expect(MLflowTracking.sanitizedKey("..") == "_..")
        #expect(MLflowTracking.sanitizedKey(String(repeating: "x", count: 300)).count == 250)
    }
}
