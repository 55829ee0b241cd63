/// A forest of binary decision trees in struct-of-arrays form: the one tree IR every tree
/// frontend (XGBoost, later LightGBM and sklearn) builds through `EnsembleBuilder`.
///
/// `Scalar` is the precision of thresholds, leaf outputs, input features and the running sum:
/// `Float` for XGBoost, `Double` for LightGBM and sklearn. Frontends convert inputs to `Scalar`
/// the way their library does before calling the evaluator.
///
/// Layout: the nodes of all trees share flat arrays; tree `t` owns the node range
/// `treeStart[t] ..< treeStart[t + 1]` and its root is `treeStart[t]`. An inner node's children
/// are adjacent: left at `firstChild[n]`, right at `firstChild[n] + 1`. A leaf has
/// `firstChild[n] == -1`. `EnsembleBuilder` validated every index, so the evaluator does not
/// check them again.
package struct TreeEnsemble<Scalar: BinaryFloatingPoint & Sendable>: Sendable {
    /// How a numerical split compares a feature `x` with its threshold `t`.
    package enum SplitComparison: Sendable {
        /// Go left iff `x < t` (XGBoost).
        case lessThan
        /// Go left iff `x <= t` (LightGBM, sklearn).
        case lessOrEqual
    }

    /// Number of input features a row holds (the stride of the feature matrix).
    package let featureCount: Int
    /// Number of outputs per row (classes for multiclass models, else 1).
    package let groupCount: Int
    package let comparison: SplitComparison

    /// Per tree: the first node of the tree; one extra entry holds the total node count.
    package let treeStart: [Int32]
    /// Per tree: the output group its leaves add to.
    package let treeGroup: [Int32]
    /// Per tree: a factor applied to its leaves (XGBoost dart `weight_drop`); nil means none.
    package let treeWeight: [Scalar]?
    /// Per tree: the depth of its deepest leaf.
    package let treeDepth: [Int32]

    /// Per node: index of the left child (right is `+ 1`), or -1 for a leaf.
    package let firstChild: [Int32]
    /// Per node: the feature a split reads (0 for a leaf).
    package let feature: [Int32]
    /// Per node: the threshold of a numerical split, or the output of a leaf.
    package let value: [Scalar]
    /// Per node: `NodeFlags` bits.
    package let flags: [UInt8]
    /// Per node (empty when no tree has a categorical split): where a categorical node's set
    /// starts in `categoryWords` and how many 32-bit words it has.
    package let categoryStart: [UInt32]
    package let categoryWordCount: [UInt32]
    /// Category sets as bitsets: bit `c % 32` of word `c / 32` (least significant first).
    package let categoryWords: [UInt32]

    /// Depth of the deepest leaf (a single-leaf tree has depth 0).
    package let maxDepth: Int

    /// The evaluator's copy of the node arrays (derived): one record per node with everything
    /// a step reads, so that a step touches one cache line through one base register.
    let walkNodes: [WalkNode<Scalar>]

    package var treeCount: Int { treeGroup.count }
    package var nodeCount: Int { firstChild.count }
    package var hasCategoricalSplits: Bool { !categoryStart.isEmpty }

    /// Only `EnsembleBuilder.finish()` calls this: the evaluator trusts what the builder checked.
    init(
        featureCount: Int, groupCount: Int, comparison: SplitComparison,
        treeStart: [Int32], treeGroup: [Int32], treeWeight: [Scalar]?, treeDepth: [Int32],
        firstChild: [Int32], feature: [Int32], value: [Scalar], flags: [UInt8],
        categoryStart: [UInt32], categoryWordCount: [UInt32], categoryWords: [UInt32], maxDepth: Int
    ) {
        self.featureCount = featureCount
        self.groupCount = groupCount
        self.comparison = comparison
        self.treeStart = treeStart
        self.treeGroup = treeGroup
        self.treeWeight = treeWeight
        self.treeDepth = treeDepth
        self.firstChild = firstChild
        self.feature = feature
        self.value = value
        self.flags = flags
        self.categoryStart = categoryStart
        self.categoryWordCount = categoryWordCount
        self.categoryWords = categoryWords
        self.maxDepth = maxDepth
        walkNodes = firstChild.indices.map { n in
            firstChild[n] < 0
                ? WalkNode(next: Int32(n), feature: 0, value: value[n], bits: UInt32(flags[n]))
                : WalkNode(next: firstChild[n], feature: feature[n], value: value[n], bits: UInt32(flags[n]) | WalkNode<Scalar>.inner)
        }
    }
}

/// Bits of `TreeEnsemble.flags`.
package enum NodeFlags {
    /// A missing value (NaN) goes to the left child; otherwise to the right.
    package static let defaultLeft: UInt8 = 1 << 0
    /// The split tests category membership instead of comparing with a threshold.
    ///
    /// The category of `x` is `Int(x)` for `0 <= x < 32 * wordCount` (truncating); any other
    /// value matches no category. A matching category goes right (XGBoost: the stored set is
    /// the right branch's), or left when `matchGoesLeft` is set (LightGBM's convention).
    package static let categorical: UInt8 = 1 << 1
    package static let matchGoesLeft: UInt8 = 1 << 2
}

/// A node as `EnsembleEvaluator` walks it. A leaf's `next` is the leaf itself, so a walk can take
/// a fixed number of steps (the tree's depth) without testing for leaves.
struct WalkNode<Scalar: BinaryFloatingPoint & Sendable>: Sendable {
    /// Set in `bits` for a split; a leaf never moves.
    static var inner: UInt32 { 1 << 7 }

    /// The left child (the right is `next + 1`); a leaf: itself.
    var next: Int32
    var feature: Int32
    /// The threshold of a split, the output of a leaf.
    var value: Scalar
    /// `NodeFlags` bits, plus `inner`.
    var bits: UInt32
}
