/// How each tree's leaf output is added to a row's running sum.
///
/// The order of float operations decides the last bit, so each library's rule is spelled out.
package enum TreeWeighting<Scalar: BinaryFloatingPoint & Sendable>: Sendable {
    /// `sum += leaf` (plain boosting and random forests).
    case none
    /// `sum += (0 + leaf) * weight[t]`: XGBoost dart through `Booster.predict(DMatrix)`, which
    /// predicts each tree into a zeroed buffer and scales it.
    case weighted
    /// `sum += ((base[g] + leaf) - base[g]) * weight[t]`: XGBoost dart through
    /// `inplace_predict` (the sklearn API), which predicts each tree on top of the base margin
    /// and subtracts it again.
    case weightedAboveBase([Scalar])
}

extension TreeEnsemble {
    /// Rows evaluated together: each tree walks all rows of a block before the next tree, so the
    /// block's features and sums stay in L1 while every tree is read once per block.
    private static var blockRows: Int { transposedBlockRows }
    /// Widest rows that are transposed block by block (`blockRows × featureCount` scratch);
    /// wider ones all take the row-at-a-time path.
    private static var maxTransposedFeatures: Int { 1024 }

    /// Adds the output of trees `trees` to `sums`, for `rowCount` rows.
    ///
    /// - `features`: row-major `rowCount × featureCount` values; NaN is a missing value.
    /// - `sums`: row-major `rowCount × groupCount` running sums, usually pre-filled with the base
    ///   margin. For each row, trees are added one by one in index order, as XGBoost and
    ///   LightGBM do, so the float result is theirs.
    package func accumulate(
        features: UnsafeBufferPointer<Scalar>, rowCount: Int, into sums: UnsafeMutableBufferPointer<Scalar>,
        trees: Range<Int>? = nil, weighting: TreeWeighting<Scalar> = .none
    ) {
        let trees = trees ?? 0..<treeCount
        precondition(trees.lowerBound >= 0 && trees.upperBound <= treeCount, "tree range outside the ensemble")
        precondition(features.count >= rowCount * featureCount, "feature matrix too small")
        precondition(sums.count >= rowCount * groupCount, "sum buffer too small")
        if case .weightedAboveBase(let base) = weighting {
            precondition(base.count == groupCount, "one base value per group")
        }
        if case .none = weighting {
        } else {
            precondition(treeWeight != nil, "weighted accumulation needs tree weights")
        }
        if rowCount == 0 || trees.isEmpty { return }

        walkNodes.withUnsafeBufferPointer { walk in
            categoryStart.withUnsafeBufferPointer { categoryStart in
                categoryWordCount.withUnsafeBufferPointer { categoryWordCount in
                    categoryWords.withUnsafeBufferPointer { categoryWords in
                        let nodes = NodeView(
                            walk: walk, categoryStart: categoryStart, categoryWordCount: categoryWordCount,
                            categoryWords: categoryWords
                        )
                        switch (comparison, hasCategoricalSplits) {
                        case (.lessThan, false):
                            run(nodes, LessThan.self, NoCategories.self, features, rowCount, sums, trees, weighting)
                        case (.lessThan, true):
                            run(nodes, LessThan.self, WithCategories.self, features, rowCount, sums, trees, weighting)
                        case (.lessOrEqual, false):
                            run(nodes, LessOrEqual.self, NoCategories.self, features, rowCount, sums, trees, weighting)
                        case (.lessOrEqual, true):
                            run(nodes, LessOrEqual.self, WithCategories.self, features, rowCount, sums, trees, weighting)
                        }
                    }
                }
            }
        }
    }

    private func run<Test: SplitTest, Cats: CategoryMode>(
        _ nodes: NodeView<Scalar>, _ test: Test.Type, _ cats: Cats.Type,
        _ features: UnsafeBufferPointer<Scalar>, _ rowCount: Int, _ sums: UnsafeMutableBufferPointer<Scalar>,
        _ trees: Range<Int>, _ weighting: TreeWeighting<Scalar>
    ) {
        guard let x = features.baseAddress, let out = sums.baseAddress else { return }
        let blockRows = Self.blockRows
        let transpose = featureCount <= Self.maxTransposedFeatures
        let scratch = transpose ? blockRows * max(featureCount, 1) : 1
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: scratch) { columns in
            guard let block = columns.baseAddress else { return }
            var start = 0
            while start < rowCount {
                let end = min(start + blockRows, rowCount)
                // Groups of eight rows through the transposed block, the rest one by one.
                let grouped = transpose ? (end - start) / 8 * 8 : 0
                if grouped > 0 {
                    walkGroups(nodes, Test.self, Cats.self, x + start * featureCount, grouped, block, out + start * groupCount, trees, weighting)
                }
                for r in start + grouped..<end {
                    walkRow(nodes, Test.self, Cats.self, x + r * featureCount, out + r * groupCount, trees, weighting)
                }
                start = end
            }
        }
    }

    /// `rows` (a multiple of 8, at most `blockRows`) rows from `x`: each tree in turn, eight rows
    /// walk it side by side, a level at a time, so that their loads overlap; the rows are first
    /// transposed into `block` (feature `f` of row `j` at `f * blockRows + j`), so that lane `k`
    /// reads at a constant offset from one base register.
    @inline(__always)
    private func walkGroups<Test: SplitTest, Cats: CategoryMode>(
        _ nodes: NodeView<Scalar>, _: Test.Type, _: Cats.Type, _ x: UnsafePointer<Scalar>, _ rows: Int,
        _ block: UnsafeMutablePointer<Scalar>, _ out: UnsafeMutablePointer<Scalar>, _ trees: Range<Int>,
        _ weighting: TreeWeighting<Scalar>
    ) {
        let stride = featureCount
        let groups = groupCount
        for j in 0..<rows {
            let row = x + j &* stride
            for f in 0..<stride { block[f &* Self.blockRows &+ j] = row[f] }
        }
        for t in trees {
            let root = Int(treeStart[t])
            let g = Int(treeGroup[t])
            let depth = Int(treeDepth[t])
            let add = Adder(weighting: weighting, weight: treeWeight?[t] ?? 1, group: g)
            var j = 0
            while j < rows {
                let base = UnsafePointer(block + j)
                var n0 = root
                var n1 = root
                var n2 = root
                var n3 = root
                var n4 = root
                var n5 = root
                var n6 = root
                var n7 = root
                for _ in 0..<depth {
                    n0 = nodes.step(n0, columns: base, lane: 0, Test.self, Cats.self)
                    n1 = nodes.step(n1, columns: base, lane: 1, Test.self, Cats.self)
                    n2 = nodes.step(n2, columns: base, lane: 2, Test.self, Cats.self)
                    n3 = nodes.step(n3, columns: base, lane: 3, Test.self, Cats.self)
                    n4 = nodes.step(n4, columns: base, lane: 4, Test.self, Cats.self)
                    n5 = nodes.step(n5, columns: base, lane: 5, Test.self, Cats.self)
                    n6 = nodes.step(n6, columns: base, lane: 6, Test.self, Cats.self)
                    n7 = nodes.step(n7, columns: base, lane: 7, Test.self, Cats.self)
                }
                let i = j &* groups &+ g
                out[i] = add(out[i], nodes.walk[n0].value)
                out[i &+ groups] = add(out[i &+ groups], nodes.walk[n1].value)
                out[i &+ 2 &* groups] = add(out[i &+ 2 &* groups], nodes.walk[n2].value)
                out[i &+ 3 &* groups] = add(out[i &+ 3 &* groups], nodes.walk[n3].value)
                out[i &+ 4 &* groups] = add(out[i &+ 4 &* groups], nodes.walk[n4].value)
                out[i &+ 5 &* groups] = add(out[i &+ 5 &* groups], nodes.walk[n5].value)
                out[i &+ 6 &* groups] = add(out[i &+ 6 &* groups], nodes.walk[n6].value)
                out[i &+ 7 &* groups] = add(out[i &+ 7 &* groups], nodes.walk[n7].value)
                j &+= 8
            }
        }
    }

    /// One row: four trees walk it side by side (their loads overlap), and their leaves are
    /// added in tree order.
    @inline(__always)
    private func walkRow<Test: SplitTest, Cats: CategoryMode>(
        _ nodes: NodeView<Scalar>, _: Test.Type, _: Cats.Type, _ row: UnsafePointer<Scalar>,
        _ out: UnsafeMutablePointer<Scalar>, _ trees: Range<Int>, _ weighting: TreeWeighting<Scalar>
    ) {
        var t = trees.lowerBound
        while t &+ 4 <= trees.upperBound {
            var n0 = Int(treeStart[t])
            var n1 = Int(treeStart[t &+ 1])
            var n2 = Int(treeStart[t &+ 2])
            var n3 = Int(treeStart[t &+ 3])
            // A leaf stays put, so the deepest of the four sets the number of steps.
            let depth = Int(max(max(treeDepth[t], treeDepth[t &+ 1]), max(treeDepth[t &+ 2], treeDepth[t &+ 3])))
            for _ in 0..<depth {
                n0 = nodes.step(n0, row: row, Test.self, Cats.self)
                n1 = nodes.step(n1, row: row, Test.self, Cats.self)
                n2 = nodes.step(n2, row: row, Test.self, Cats.self)
                n3 = nodes.step(n3, row: row, Test.self, Cats.self)
            }
            addLeaf(nodes.walk[n0].value, tree: t, out, weighting)
            addLeaf(nodes.walk[n1].value, tree: t &+ 1, out, weighting)
            addLeaf(nodes.walk[n2].value, tree: t &+ 2, out, weighting)
            addLeaf(nodes.walk[n3].value, tree: t &+ 3, out, weighting)
            t &+= 4
        }
        while t < trees.upperBound {
            var n = Int(treeStart[t])
            for _ in 0..<Int(treeDepth[t]) { n = nodes.step(n, row: row, Test.self, Cats.self) }
            addLeaf(nodes.walk[n].value, tree: t, out, weighting)
            t &+= 1
        }
    }

    /// `out[group(tree)] += leaf` under `weighting`.
    @inline(__always)
    private func addLeaf(
        _ leaf: Scalar, tree t: Int, _ out: UnsafeMutablePointer<Scalar>, _ weighting: TreeWeighting<Scalar>
    ) {
        let g = Int(treeGroup[t])
        let add = Adder(weighting: weighting, weight: treeWeight?[t] ?? 1, group: g)
        out[g] = add(out[g], leaf)
    }
}

/// Rows per block, and the row stride of a transposed block.
private let transposedBlockRows = 64

/// Adds one leaf output to a running sum under a `TreeWeighting`, with the library's rounding.
private struct Adder<Scalar: BinaryFloatingPoint & Sendable> {
    let mode: Int
    let weight: Scalar
    let base: Scalar

    init(weighting: TreeWeighting<Scalar>, weight: Scalar, group: Int) {
        self.weight = weight
        switch weighting {
        case .none:
            mode = 0
            base = 0
        case .weighted:
            mode = 1
            base = 0
        case .weightedAboveBase(let b):
            mode = 2
            base = b[group]
        }
    }

    @inline(__always)
    func callAsFunction(_ sum: Scalar, _ leaf: Scalar) -> Scalar {
        switch mode {
        case 0: sum + leaf
        case 1: sum + (0 + leaf) * weight
        default: sum + ((base + leaf) - base) * weight
        }
    }
}

/// The node records as raw buffers, valid inside `accumulate`.
private struct NodeView<Scalar: BinaryFloatingPoint & Sendable> {
    let walk: UnsafeBufferPointer<WalkNode<Scalar>>
    let categoryStart: UnsafeBufferPointer<UInt32>
    let categoryWordCount: UnsafeBufferPointer<UInt32>
    let categoryWords: UnsafeBufferPointer<UInt32>

    /// One level down from `n`; a leaf stays where it is. Branch-free but for categorical
    /// splits: a branch on "missing" would mispredict on every NaN.
    @inline(__always)
    func step<Test: SplitTest, Cats: CategoryMode>(
        _ n: Int, row: UnsafePointer<Scalar>, _: Test.Type, _: Cats.Type
    ) -> Int {
        let node = walk[n]
        return next(n, node, row[Int(node.feature)], Test.self, Cats.self)
    }

    @inline(__always)
    func next<Test: SplitTest, Cats: CategoryMode>(
        _ n: Int, _ node: WalkNode<Scalar>, _ x: Scalar, _: Test.Type, _: Cats.Type
    ) -> Int {
        let missing: UInt32 = x != x ? 1 : 0  // NaN; one compare, cheaper than `isNaN`'s bit test
        if Cats.enabled && node.bits & UInt32(NodeFlags.categorical) != 0 && missing == 0 {
            let right = matches(node: n, x) != (node.bits & UInt32(NodeFlags.matchGoesLeft) != 0)
            return Int(node.next) &+ (right ? 1 : 0)
        }
        let numericRight: UInt32 = Test.goesLeft(x, node.value) ? 0 : 1  // 1 for NaN too
        let defaultRight = ~node.bits & UInt32(NodeFlags.defaultLeft)
        let right = ((numericRight & ~missing) | (missing & defaultRight)) & (node.bits >> 7 & 1)
        return Int(node.next) &+ Int(right)
    }

    /// `step` for a row stored transposed: feature `f` at `columns[f * blockRows + lane]`.
    @inline(__always)
    func step<Test: SplitTest, Cats: CategoryMode>(
        _ n: Int, columns: UnsafePointer<Scalar>, lane: Int, _: Test.Type, _: Cats.Type
    ) -> Int {
        let node = walk[n]
        let x = columns[Int(node.feature) &* transposedBlockRows &+ lane]
        return next(n, node, x, Test.self, Cats.self)
    }

    @inline(__always)
    func matches(node n: Int, _ x: Scalar) -> Bool {
        let words = Int(categoryWordCount[n])
        // Negative values and values past the set match nothing (NaN was handled before).
        guard x >= 0 && x < Scalar(words &* 32) else { return false }
        let c = Int(x)
        return categoryWords[Int(categoryStart[n]) &+ c / 32] & (1 << UInt32(c % 32)) != 0
    }
}

private protocol SplitTest {
    static func goesLeft<S: BinaryFloatingPoint>(_ x: S, _ threshold: S) -> Bool
}

private enum LessThan: SplitTest {
    @inline(__always) static func goesLeft<S: BinaryFloatingPoint>(_ x: S, _ threshold: S) -> Bool { x < threshold }
}

private enum LessOrEqual: SplitTest {
    @inline(__always) static func goesLeft<S: BinaryFloatingPoint>(_ x: S, _ threshold: S) -> Bool { x <= threshold }
}

private protocol CategoryMode {
    static var enabled: Bool { get }
}

private enum NoCategories: CategoryMode {
    static var enabled: Bool { false }
}

private enum WithCategories: CategoryMode {
    static var enabled: Bool { true }
}
