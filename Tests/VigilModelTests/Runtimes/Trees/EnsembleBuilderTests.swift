import Testing
import VigilModel

@Suite struct EnsembleBuilderTests {
    private func builder(features: Int = 3, groups: Int = 1) -> EnsembleBuilder<Float> {
        EnsembleBuilder(featureCount: features, groupCount: groups, comparison: .lessThan)
    }

    @Test func laysOutTreesBreadthFirstWithAdjacentChildren() throws {
        var b = builder()
        // Frontend numbering with children out of order: 0 -> (4, 1), 4 -> (2, 3).
        try b.beginTree(nodeCount: 5, group: 0)
        try b.numericalSplit(node: 0, feature: 0, threshold: 1, defaultLeft: true, left: 4, right: 1)
        try b.leaf(node: 1, value: 10)
        try b.leaf(node: 2, value: 20)
        try b.leaf(node: 3, value: 30)
        try b.numericalSplit(node: 4, feature: 2, threshold: 5, defaultLeft: false, left: 2, right: 3)
        try b.endTree()
        try b.beginTree(nodeCount: 1, group: 0)
        try b.leaf(node: 0, value: 7)
        try b.endTree()
        let e = try b.finish()
        #expect(e.treeStart == [0, 5, 6])
        #expect(e.firstChild == [1, 3, -1, -1, -1, -1])
        #expect(e.feature == [0, 2, 0, 0, 0, 0])
        #expect(e.value == [1, 5, 10, 20, 30, 7])
        #expect(e.flags == [NodeFlags.defaultLeft, 0, 0, 0, 0, 0])
        #expect(e.maxDepth == 2)
        #expect(e.treeWeight == nil)
        #expect(!e.hasCategoricalSplits)
    }

    @Test func dropsNodesTheRootDoesNotReach() throws {
        var b = builder()
        try b.beginTree(nodeCount: 4, group: 0)
        try b.numericalSplit(node: 0, feature: 0, threshold: 1, defaultLeft: true, left: 1, right: 2)
        try b.leaf(node: 1, value: 1)
        try b.leaf(node: 2, value: 2)
        // node 3 is never defined nor reached (an XGBoost deleted node)
        try b.endTree()
        #expect(try b.finish().nodeCount == 3)
    }

    @Test func refusesBadIndices() {
        func expectError(
            _ expected: ModelFileError, nodes: Int = 3, _ body: (inout EnsembleBuilder<Float>) throws -> Void
        ) {
            var b = builder()
            #expect(throws: expected) {
                try b.beginTree(nodeCount: nodes, group: 0)
                try body(&b)
                try b.endTree()
            }
        }
        expectError(.childOutOfRange(tree: 0, node: 0, child: 9001)) {
            try $0.numericalSplit(node: 0, feature: 0, threshold: 1, defaultLeft: true, left: 1, right: 9001)
        }
        expectError(.childOutOfRange(tree: 0, node: 0, child: -1)) {
            try $0.numericalSplit(node: 0, feature: 0, threshold: 1, defaultLeft: true, left: -1, right: 0)
        }
        expectError(.featureOutOfRange(tree: 0, node: 0, feature: 3)) {
            try $0.numericalSplit(node: 0, feature: 3, threshold: 1, defaultLeft: true, left: 1, right: 2)
        }
        expectError(.nodeOutOfRange(tree: 0, node: 3)) { try $0.leaf(node: 3, value: 0) }
        expectError(.nodeDefinedTwice(tree: 0, node: 1)) {
            try $0.leaf(node: 1, value: 0)
            try $0.leaf(node: 1, value: 0)
        }
        expectError(.nodeUndefined(tree: 0, node: 2)) {
            try $0.numericalSplit(node: 0, feature: 0, threshold: 1, defaultLeft: true, left: 1, right: 2)
            try $0.leaf(node: 1, value: 0)
        }
        // A cycle back to the root, and a node shared by two parents.
        expectError(.nodeReachedTwice(tree: 0, node: 0)) {
            try $0.numericalSplit(node: 0, feature: 0, threshold: 1, defaultLeft: true, left: 1, right: 2)
            try $0.numericalSplit(node: 1, feature: 0, threshold: 1, defaultLeft: true, left: 0, right: 2)
            try $0.leaf(node: 2, value: 0)
        }
        expectError(.nodeReachedTwice(tree: 0, node: 2), nodes: 4) {
            try $0.numericalSplit(node: 0, feature: 0, threshold: 1, defaultLeft: true, left: 1, right: 2)
            try $0.numericalSplit(node: 1, feature: 0, threshold: 1, defaultLeft: true, left: 2, right: 3)
            try $0.leaf(node: 2, value: 0)
            try $0.leaf(node: 3, value: 0)
        }
        expectError(.categoryOutOfRange(tree: 0, node: 0, category: -1)) {
            try $0.categoricalSplit(node: 0, feature: 0, categories: [3, -1], defaultLeft: true, left: 1, right: 2)
        }
        expectError(.categoryOutOfRange(tree: 0, node: 0, category: 1 << 24)) {
            try $0.categoricalSplit(node: 0, feature: 0, categories: [1 << 24], defaultLeft: true, left: 1, right: 2)
        }
    }

    @Test func refusesBadTrees() {
        var b = builder(groups: 2)
        #expect(throws: ModelFileError.self) { try b.beginTree(nodeCount: 0, group: 0) }
        #expect(throws: ModelFileError.self) { try b.beginTree(nodeCount: 1, group: 2) }
        var limits = EnsembleBuilder<Float>.Limits()
        limits.maxNodesPerTree = 10
        limits.maxCategoryWords = 4
        var small = EnsembleBuilder<Float>(featureCount: 1, groupCount: 1, comparison: .lessThan, limits: limits)
        #expect(throws: ModelFileError.self) { try small.beginTree(nodeCount: 11, group: 0) }
        #expect(throws: ModelFileError.self) {
            try small.beginTree(nodeCount: 3, group: 0)
            try small.categoricalSplit(node: 0, feature: 0, categories: [200], defaultLeft: true, left: 1, right: 2)
        }
    }
}

@Suite struct EnsembleEvaluatorTests {
    /// One split on feature 0 at 0.5 with leaves -1 / +1, and a categorical stump on feature 1.
    private func ensemble(_ comparison: TreeEnsemble<Double>.SplitComparison, matchGoesLeft: Bool = false) throws
        -> TreeEnsemble<Double>
    {
        var b = EnsembleBuilder<Double>(featureCount: 2, groupCount: 2, comparison: comparison)
        try b.beginTree(nodeCount: 3, group: 0)
        try b.numericalSplit(node: 0, feature: 0, threshold: 0.5, defaultLeft: false, left: 1, right: 2)
        try b.leaf(node: 1, value: -1)
        try b.leaf(node: 2, value: 1)
        try b.endTree()
        try b.beginTree(nodeCount: 3, group: 1)
        try b.categoricalSplit(
            node: 0, feature: 1, categories: [1, 33], matchGoesLeft: matchGoesLeft, defaultLeft: true, left: 1, right: 2)
        try b.leaf(node: 1, value: 10)
        try b.leaf(node: 2, value: 20)
        try b.endTree()
        return try b.finish()
    }

    private func evaluate(_ e: TreeEnsemble<Double>, _ rows: [[Double]]) -> [Double] {
        let features = rows.flatMap { $0 }
        var sums = [Double](repeating: 0, count: rows.count * e.groupCount)
        features.withUnsafeBufferPointer { f in
            sums.withUnsafeMutableBufferPointer { s in e.accumulate(features: f, rowCount: rows.count, into: s) }
        }
        return sums
    }

    @Test func comparesAndRoutesMissingValues() throws {
        let rows: [[Double]] = [[0.4, 0], [0.5, 0], [.nan, 0]]
        #expect(evaluate(try ensemble(.lessThan), rows).enumerated().filter { $0.offset % 2 == 0 }.map(\.element) == [-1, 1, 1])
        #expect(evaluate(try ensemble(.lessOrEqual), rows).enumerated().filter { $0.offset % 2 == 0 }.map(\.element) == [-1, -1, 1])
    }

    @Test func testsCategoryMembership() throws {
        // category 1 and 33 match (right); 1.7 truncates to 1; negatives, 64 and beyond never match; NaN → default (left).
        let xs: [Double] = [1, 33, 1.7, 0, 2, 32, -1, -0.5, 64, 1e9, .nan]
        let rows = xs.map { [0, $0] }
        let right = evaluate(try ensemble(.lessThan), rows).enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        #expect(right == [20, 20, 20, 10, 10, 10, 10, 10, 10, 10, 10])
        let left = evaluate(try ensemble(.lessThan, matchGoesLeft: true), rows).enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        #expect(left == [10, 10, 10, 20, 20, 20, 20, 20, 20, 20, 10])
    }

    @Test func evaluatesManyRowsInBlocks() throws {
        let e = try ensemble(.lessThan)
        let rows = (0..<1000).map { [Double($0 % 2), Double($0 % 3)] }
        let sums = evaluate(e, rows)
        for r in 0..<1000 {
            #expect(sums[2 * r] == (r % 2 == 0 ? -1 : 1))
            #expect(sums[2 * r + 1] == (r % 3 == 1 ? 20 : 10))
        }
    }
}
