extension XGBoostModel {
    /// Reads `gradient_booster.model` (`GBTreeModel::LoadModel`, `RegTree::LoadModel`) through
    /// `EnsembleBuilder`.
    static func loadTrees(
        _ model: JSONField, featureCount: Int, groups: Int, weights: [Float]?
    ) throws(ModelFileError) -> (ensemble: TreeEnsemble<Float>, roundEnds: [Int]) {
        let param = try model("gbtree_model_param")
        let treeCount = try param("num_trees").int()
        let parallel = try param.optional("num_parallel_tree")?.int() ?? 1
        let trees = try model("trees").array()
        guard treeCount >= 0, trees.count == treeCount else {
            throw .invalidValue(field: param.path + ".num_trees", reason: "\(treeCount) trees, \(trees.count) stored")
        }
        let treeInfo = try model("tree_info").ints(in: 0...Int64(groups - 1))
        guard treeInfo.count == treeCount else {
            throw .invalidValue(field: model.path + ".tree_info", reason: "\(treeInfo.count) entries for \(treeCount) trees")
        }
        if let weights, weights.count != treeCount {
            throw .invalidValue(field: "learner.gradient_booster.weight_drop", reason: "\(weights.count) weights for \(treeCount) trees")
        }

        // Trees are placed by their `id`, not by their position in the array.
        var position = [Int](repeating: -1, count: treeCount)
        for (i, tree) in trees.enumerated() {
            let id = try tree("id").int()
            guard id >= 0 && id < treeCount, position[id] < 0 else {
                throw .invalidValue(field: tree.path + ".id", reason: "id \(id) is out of range or repeated")
            }
            position[id] = i
        }

        let roundEnds: [Int]
        if let indptr = try model.optional("iteration_indptr") {
            roundEnds = try indptr.ints(in: 0...Int64(treeCount))
            guard roundEnds.first == 0, roundEnds.last == treeCount, zip(roundEnds, roundEnds.dropFirst()).allSatisfy({ $0 <= $1 })
            else {
                throw .invalidValue(field: indptr.path, reason: "not an increasing list from 0 to \(treeCount)")
            }
        } else {
            // MakeIndptr, for models written before XGBoost 2.
            let perRound = parallel * groups
            guard parallel >= 1, treeCount % perRound == 0 else {
                throw .invalidValue(field: param.path, reason: "\(treeCount) trees do not make whole rounds of \(perRound)")
            }
            roundEnds = (0...treeCount / perRound).map { $0 * perRound }
        }

        var builder = EnsembleBuilder<Float>(featureCount: featureCount, groupCount: groups, comparison: .lessThan)
        for id in 0..<treeCount {
            try loadTree(trees[position[id]], group: treeInfo[id], weight: weights?[id], into: &builder)
        }
        return (try builder.finish(), roundEnds)
    }

    private static func loadTree(
        _ tree: JSONField, group: Int, weight: Float?, into builder: inout EnsembleBuilder<Float>
    ) throws(ModelFileError) {
        let param = try tree("tree_param")
        let nodes = try param("num_nodes").int()
        if let leafVector = try param.optional("size_leaf_vector")?.int(), leafVector > 1 {
            throw .unsupported("multi-target trees (size_leaf_vector = \(leafVector))")
        }
        let left = try tree("left_children").ints()
        let right = try tree("right_children").ints()
        let feature = try tree("split_indices").ints(in: 0...Int64(UInt32.max))
        let condition = try tree("split_conditions").floats()
        let defaultLeft = try tree("default_left").ints(in: 0...255)
        for (name, count) in [
            ("left_children", left.count), ("right_children", right.count), ("split_indices", feature.count),
            ("split_conditions", condition.count), ("default_left", defaultLeft.count),
        ] where count != nodes {
            throw .invalidValue(field: "\(tree.path).\(name)", reason: "\(count) entries for \(nodes) nodes")
        }

        // Categorical splits (`RegTree::LoadCategoricalSplit`): node `categories_nodes[k]` has the
        // categories `categories[segments[k] ..< segments[k] + sizes[k]]`, which go right.
        var categorical = [Bool](repeating: false, count: nodes)
        var categoriesOf: [Int: ArraySlice<Int>] = [:]
        if let splitType = try tree.optional("split_type") {
            let types = try splitType.ints(in: 0...1)
            guard types.count == nodes else {
                throw .invalidValue(field: splitType.path, reason: "\(types.count) entries for \(nodes) nodes")
            }
            categorical = types.map { $0 == 1 }
            let catNodes = try tree("categories_nodes").ints()
            let segments = try tree("categories_segments").ints(in: 0...Int64(Int32.max))
            let sizes = try tree("categories_sizes").ints(in: 0...Int64(Int32.max))
            let categories = try tree("categories").ints()
            guard catNodes.count == segments.count, catNodes.count == sizes.count else {
                throw .invalidValue(field: tree.path + ".categories_nodes", reason: "segments and sizes do not match the nodes")
            }
            for k in catNodes.indices {
                let (node, begin, size) = (catNodes[k], segments[k], sizes[k])
                guard node >= 0 && node < nodes, begin + size <= categories.count else {
                    throw .invalidValue(field: "\(tree.path).categories_segments[\(k)]", reason: "node \(node) or its segment is out of range")
                }
                categoriesOf[node] = categories[begin..<begin + size]
            }
        }

        let index = builder.treeCountSoFar
        try builder.beginTree(nodeCount: nodes, group: group, weight: weight)
        for n in 0..<nodes {
            if left[n] == -1 {
                try builder.leaf(node: n, value: condition[n])
                continue
            }
            // XGBoost's predictor goes to `left + 1` for "right" and to `right_children` only for a
            // missing value; its writer always stores them adjacent. Refuse anything else rather than
            // answer differently from XGBoost.
            guard right[n] == left[n] &+ 1 else {
                throw .invalidTree(tree: index, reason: "node \(n): right child \(right[n]) is not left child \(left[n]) + 1")
            }
            if categorical[n] {
                try builder.categoricalSplit(
                    node: n, feature: feature[n], categories: categoriesOf[n] ?? [], defaultLeft: defaultLeft[n] != 0,
                    left: left[n], right: right[n])
            } else {
                try builder.numericalSplit(
                    node: n, feature: feature[n], threshold: condition[n], defaultLeft: defaultLeft[n] != 0,
                    left: left[n], right: right[n])
            }
        }
        try builder.endTree()
    }
}
