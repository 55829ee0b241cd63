/// The only way to make a `TreeEnsemble`: frontends describe each tree node by node, in their
/// own node numbering, and the builder validates everything once and lays the nodes out.
///
/// Checks (each failure is a `ModelFileError` that names tree and node, never a trap):
/// node and child indices inside the tree, feature indices below `featureCount`, categories
/// in range, every node reached from the root defined exactly once and reached exactly once
/// (no cycles, no shared subtrees), group indices below `groupCount`, and size limits.
/// Node 0 of each tree is its root; nodes the root does not reach are dropped.
///
/// ```swift
/// var builder = EnsembleBuilder<Float>(featureCount: 4, groupCount: 1, comparison: .lessThan)
/// try builder.beginTree(nodeCount: 3, group: 0)
/// try builder.numericalSplit(node: 0, feature: 2, threshold: 0.5, defaultLeft: true, left: 1, right: 2)
/// try builder.leaf(node: 1, value: -0.25)
/// try builder.leaf(node: 2, value: 0.75)
/// try builder.endTree()
/// let ensemble = try builder.finish()
/// ```
package struct EnsembleBuilder<Scalar: BinaryFloatingPoint & Sendable> {
    /// Bounds that keep a hostile file from exhausting memory.
    package struct Limits: Sendable {
        package var maxTrees = 1 << 20
        package var maxNodesPerTree = 1 << 24
        package var maxTotalNodes = 1 << 27
        /// Largest category value a set may hold (XGBoost's own bound is 2^24 - 1).
        package var maxCategory = (1 << 24) - 1
        /// Total 32-bit words of all category bitsets (16 MiB by default).
        package var maxCategoryWords = 1 << 22

        package init() {}
    }

    private enum Kind: UInt8 { case undefined, leaf, numerical, categorical }

    private struct Pending {
        var kind = Kind.undefined
        var feature: Int32 = 0
        var value: Scalar = 0
        var left: Int32 = -1
        var right: Int32 = -1
        var flags: UInt8 = 0
        var categoryStart = 0
        var categoryCount = 0
    }

    package let featureCount: Int
    package let groupCount: Int
    package let comparison: TreeEnsemble<Scalar>.SplitComparison
    package let limits: Limits

    private var treeStart: [Int32] = [0]
    private var treeGroup: [Int32] = []
    private var treeWeight: [Scalar] = []
    private var treeDepth: [Int32] = []
    private var anyWeight = false
    private var firstChild: [Int32] = []
    private var feature: [Int32] = []
    private var value: [Scalar] = []
    private var flags: [UInt8] = []
    private var categoryStart: [UInt32] = []
    private var categoryWordCount: [UInt32] = []
    private var categoryWords: [UInt32] = []
    private var anyCategorical = false
    private var maxDepth = 0

    // The tree being described.
    private var inTree = false
    private var pending: [Pending] = []
    private var pendingWords: [UInt32] = []
    private var pendingGroup = 0
    private var pendingWeight: Scalar?

    package init(
        featureCount: Int, groupCount: Int, comparison: TreeEnsemble<Scalar>.SplitComparison,
        limits: Limits = Limits()
    ) {
        precondition(featureCount >= 0 && groupCount >= 1, "an ensemble needs a feature count and at least one group")
        self.featureCount = featureCount
        self.groupCount = groupCount
        self.comparison = comparison
        self.limits = limits
    }

    private var treeIndex: Int { treeGroup.count }

    /// Trees finished so far (the index the next tree gets).
    package var treeCountSoFar: Int { treeGroup.count }

    /// Starts a tree of `nodeCount` nodes (numbered `0 ..< nodeCount`, root 0) adding to output
    /// `group`, its leaves multiplied by `weight` if given (XGBoost dart).
    package mutating func beginTree(nodeCount: Int, group: Int, weight: Scalar? = nil) throws(ModelFileError) {
        precondition(!inTree, "endTree() the previous tree first")
        guard treeIndex < limits.maxTrees else { throw .limitExceeded("more than \(limits.maxTrees) trees") }
        guard nodeCount >= 1 else { throw .invalidTree(tree: treeIndex, reason: "a tree needs at least one node") }
        guard nodeCount <= limits.maxNodesPerTree else {
            throw .limitExceeded("tree \(treeIndex) has \(nodeCount) nodes (limit \(limits.maxNodesPerTree))")
        }
        guard group >= 0 && group < groupCount else {
            throw .invalidTree(tree: treeIndex, reason: "output group \(group) is not below \(groupCount)")
        }
        if weight != nil { anyWeight = true }
        pending = Array(repeating: Pending(), count: nodeCount)
        pendingWords.removeAll(keepingCapacity: true)
        pendingGroup = group
        pendingWeight = weight
        inTree = true
    }

    /// A split on a numerical feature: see `TreeEnsemble.SplitComparison`; NaN goes to the
    /// default side.
    package mutating func numericalSplit(
        node: Int, feature: Int, threshold: Scalar, defaultLeft: Bool, left: Int, right: Int
    ) throws(ModelFileError) {
        try define(node)
        try checkSplit(node: node, feature: feature, left: left, right: right)
        pending[node] = Pending(
            kind: .numerical, feature: Int32(feature), value: threshold, left: Int32(left), right: Int32(right),
            flags: defaultLeft ? NodeFlags.defaultLeft : 0
        )
    }

    /// A split on category membership (see `NodeFlags.categorical`). `categories` is the set
    /// whose members go right, or left when `matchGoesLeft`.
    package mutating func categoricalSplit(
        node: Int, feature: Int, categories: some Sequence<Int>, matchGoesLeft: Bool = false,
        defaultLeft: Bool, left: Int, right: Int
    ) throws(ModelFileError) {
        try define(node)
        try checkSplit(node: node, feature: feature, left: left, right: right)
        var largest = -1
        for c in categories {
            guard c >= 0 && c <= limits.maxCategory else {
                throw .categoryOutOfRange(tree: treeIndex, node: node, category: c)
            }
            largest = max(largest, c)
        }
        let words = largest < 0 ? 0 : largest / 32 + 1
        let start = pendingWords.count
        guard categoryWords.count + start + words <= limits.maxCategoryWords else {
            throw .limitExceeded("category sets need more than \(limits.maxCategoryWords) words")
        }
        pendingWords.append(contentsOf: repeatElement(0, count: words))
        for c in categories {
            pendingWords[start + c / 32] |= 1 << UInt32(c % 32)
        }
        var bits = NodeFlags.categorical
        if defaultLeft { bits |= NodeFlags.defaultLeft }
        if matchGoesLeft { bits |= NodeFlags.matchGoesLeft }
        pending[node] = Pending(
            kind: .categorical, feature: Int32(feature), value: 0, left: Int32(left), right: Int32(right),
            flags: bits, categoryStart: start, categoryCount: words
        )
    }

    /// A leaf adding `value` to its tree's group.
    package mutating func leaf(node: Int, value: Scalar) throws(ModelFileError) {
        try define(node)
        pending[node] = Pending(kind: .leaf, value: value)
    }

    /// Validates the tree and appends it in breadth-first order with adjacent children.
    package mutating func endTree() throws(ModelFileError) {
        precondition(inTree, "beginTree() first")
        let tree = treeIndex
        let base = firstChild.count
        guard base + pending.count <= limits.maxTotalNodes else {
            throw .limitExceeded("more than \(limits.maxTotalNodes) nodes")
        }
        // New index of each pending node once placed; -1 = not reached yet.
        var placed = [Int32](repeating: -1, count: pending.count)
        var order: [Int32] = [0]  // pending ids in output order; order[i] lands at base + i
        var depth: [Int32] = [0]
        placed[0] = Int32(base)
        var i = 0
        var deepest = 0
        var treeWords: [UInt32] = []
        var treeCategoryStart: [UInt32] = []
        var treeCategoryCount: [UInt32] = []
        while i < order.count {
            let id = Int(order[i])
            let node = pending[id]
            let d = Int(depth[i])
            deepest = max(deepest, d)
            switch node.kind {
            case .undefined:
                throw .nodeUndefined(tree: tree, node: id)
            case .leaf:
                firstChild.append(-1)
                feature.append(0)
                value.append(node.value)
                flags.append(0)
                treeCategoryStart.append(0)
                treeCategoryCount.append(0)
            case .numerical, .categorical:
                let left = Int(node.left)
                let right = Int(node.right)
                for child in [left, right] where placed[child] >= 0 {
                    throw .nodeReachedTwice(tree: tree, node: child)
                }
                let next = base + order.count
                placed[left] = Int32(next)
                placed[right] = Int32(next + 1)
                order.append(node.left)
                order.append(node.right)
                depth.append(Int32(d + 1))
                depth.append(Int32(d + 1))
                firstChild.append(Int32(next))
                feature.append(node.feature)
                value.append(node.value)
                flags.append(node.flags)
                if node.kind == .categorical {
                    anyCategorical = true
                    treeCategoryStart.append(UInt32(categoryWords.count + treeWords.count))
                    treeCategoryCount.append(UInt32(node.categoryCount))
                    treeWords.append(contentsOf: pendingWords[node.categoryStart..<node.categoryStart + node.categoryCount])
                } else {
                    treeCategoryStart.append(0)
                    treeCategoryCount.append(0)
                }
            }
            i += 1
        }
        categoryWords.append(contentsOf: treeWords)
        categoryStart.append(contentsOf: treeCategoryStart)
        categoryWordCount.append(contentsOf: treeCategoryCount)
        maxDepth = max(maxDepth, deepest)
        treeDepth.append(Int32(deepest))
        treeStart.append(Int32(firstChild.count))
        treeGroup.append(Int32(pendingGroup))
        treeWeight.append(pendingWeight ?? 1)
        pending = []
        inTree = false
    }

    /// The finished ensemble.
    package func finish() throws(ModelFileError) -> TreeEnsemble<Scalar> {
        precondition(!inTree, "endTree() the last tree first")
        return TreeEnsemble(
            featureCount: featureCount, groupCount: groupCount, comparison: comparison,
            treeStart: treeStart, treeGroup: treeGroup, treeWeight: anyWeight ? treeWeight : nil, treeDepth: treeDepth,
            firstChild: firstChild, feature: feature, value: value, flags: flags,
            categoryStart: anyCategorical ? categoryStart : [],
            categoryWordCount: anyCategorical ? categoryWordCount : [],
            categoryWords: anyCategorical ? categoryWords : [],
            maxDepth: maxDepth
        )
    }

    private mutating func define(_ node: Int) throws(ModelFileError) {
        precondition(inTree, "beginTree() first")
        guard node >= 0 && node < pending.count else { throw .nodeOutOfRange(tree: treeIndex, node: node) }
        guard pending[node].kind == .undefined else { throw .nodeDefinedTwice(tree: treeIndex, node: node) }
    }

    private func checkSplit(node: Int, feature: Int, left: Int, right: Int) throws(ModelFileError) {
        guard feature >= 0 && feature < featureCount else {
            throw .featureOutOfRange(tree: treeIndex, node: node, feature: feature)
        }
        for child in [left, right] where child < 0 || child >= pending.count {
            throw .childOutOfRange(tree: treeIndex, node: node, child: child)
        }
        guard left != right else {
            throw .invalidTree(tree: treeIndex, reason: "node \(node) has the same node \(left) as both children")
        }
    }
}
