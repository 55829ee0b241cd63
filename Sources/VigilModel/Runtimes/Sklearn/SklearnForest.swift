#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `DecisionTree*`, `ExtraTree*`, `RandomForest*` and `ExtraTrees*` in the shared tree IR.
///
/// sklearn 1.9 semantics reproduced (`sklearn/tree/_tree.pyx`, `_classes.py`, `ensemble/_forest.py`):
/// * Inputs become float32 (`DTYPE`), compared as doubles with the float64 threshold: left iff
///   `x <= threshold`; NaN follows `missing_go_to_left`. A value too large for float32 is an error.
/// * A tree's `predict` (regressor) is its leaf value; a classifier's `predict_proba` is the leaf's
///   `value` row as stored (sklearn ≥ 1.4 stores class fractions and does not normalise again), and
///   `predict` the first largest of it.
/// * A forest adds its trees' outputs in order onto zeros, then divides by the tree count;
///   `predict` takes the first largest averaged probability. `predict_log_proba` is `log` of it.
///
/// Class probabilities live in one output group per class: each tree is laid out once per class.
struct SklearnForest: SklearnEstimator {
    let labels: ClassLabels?
    let isForest: Bool
    let treeCount: Int
    let featureCount: Int
    /// Leaves: probabilities (classifier) or values (regressor); one group per class.
    let ensemble: TreeEnsemble<Double>

    init(_ o: SkopsObject) throws(ModelFileError) {
        let featureCount = try o.int("n_features_in_")
        self.featureCount = featureCount
        guard featureCount > 0 else { throw .invalidValue(field: "\(o.name).n_features_in_", reason: "no features") }
        let isClassifier = o.name.hasSuffix("Classifier")
        let labels = isClassifier ? try ClassLabels(try o.array("classes_"), field: "\(o.name).classes_") : nil
        self.labels = labels
        if o.has("n_outputs_"), try o.int("n_outputs_") != 1 { throw .unsupported("\(o.name) with several outputs") }
        var trees: [SkopsObject] = []
        switch o.name {
        case "DecisionTreeClassifier", "DecisionTreeRegressor", "ExtraTreeClassifier", "ExtraTreeRegressor":
            isForest = false
            trees = [try o.object("tree_")]
        default:
            isForest = true
            for (i, e) in try o.list("estimators_").enumerated() {
                let est = try SkopsObject(e)
                guard est.name.hasSuffix(isClassifier ? "Classifier" : "Regressor") else {
                    throw .invalidValue(field: "\(o.name).estimators_[\(i)]", reason: "is a \(est.type)")
                }
                trees.append(try est.object("tree_"))
            }
            guard !trees.isEmpty else { throw .invalidValue(field: "\(o.name).estimators_", reason: "no trees") }
        }
        treeCount = trees.count
        let classes = labels?.count ?? 1
        let parsed = try trees.enumerated().map { (t, tree) throws(ModelFileError) in
            try SklearnTree(tree, index: t, featureCount: featureCount, classes: isClassifier ? classes : 1)
        }
        var builder = EnsembleBuilder<Double>(featureCount: featureCount, groupCount: classes, comparison: .lessOrEqual)
        for tree in parsed {
            for c in 0..<classes { try tree.build(into: &builder, group: c) { $0[c] } }
        }
        ensemble = try builder.finish()
    }

    func supports(_ function: SklearnPredictor.PredictFunction) -> Bool { function == .predict || labels != nil }

    func predict(_ table: SklearnTable, _ function: SklearnPredictor.PredictFunction) throws(ScoringError) -> Predictions {
        try checkWidth(table, featureCount, "this tree model")
        let rows = table.rowCount
        // check_array(dtype=float32): doubles rounded to float, then compared as doubles.
        var x = [Double](repeating: 0, count: rows * featureCount)
        for c in 0..<featureCount {
            let v = try table.numbers(c)
            for r in 0..<rows {
                let f = Float(v[r])
                if f.isInfinite {
                    throw .modelError("ValueError: Input X contains infinity or a value too large for dtype('float32').")
                }
                x[r * featureCount + c] = Double(f)
            }
        }
        let groups = ensemble.groupCount
        func run(_ e: TreeEnsemble<Double>) -> [Double] {
            var sums = [Double](repeating: 0, count: rows * groups)
            x.withUnsafeBufferPointer { xs in
                sums.withUnsafeMutableBufferPointer { s in e.accumulate(features: xs, rowCount: rows, into: s) }
            }
            return sums
        }
        var out = run(ensemble)
        if isForest {
            let n = Double(treeCount)
            for i in out.indices { out[i] /= n }
        }
        guard let labels else { return .doubles(out) }
        switch function {
        case .predict: return labels.take(ClassLabels.argmax(out, rows: rows, width: groups))
        case .predictProba: return .doubleMatrix(columns: groups, values: out)
        case .predictLogProba: return .doubleMatrix(columns: groups, values: out.map { log($0) })
        }
    }
}

/// One `sklearn.tree._tree.Tree`: its node records and leaf values, checked.
private struct SklearnTree {
    let left: [Int64]
    let right: [Int64]
    let feature: [Int64]
    let threshold: [Double]
    let missingLeft: [Int64]?
    /// Each leaf's `value` row (class fractions, or the regression value).
    let leaves: [Int: [Double]]

    init(_ tree: SkopsObject, index t: Int, featureCount: Int, classes: Int) throws(ModelFileError) {
        let nodes = try tree.array("nodes")
        let count = try tree.int("node_count")
        guard nodes.shape == [count], count >= 1 else { throw .invalidTree(tree: t, reason: "node_count does not match nodes") }
        guard case .int64(let l)? = nodes.field("left_child"), case .int64(let r)? = nodes.field("right_child"),
            case .int64(let f)? = nodes.field("feature"), case .float64(let th)? = nodes.field("threshold")
        else { throw .invalidTree(tree: t, reason: "nodes lack left_child, right_child, feature or threshold") }
        left = l
        right = r
        feature = f
        threshold = th
        if case .int64(let m)? = nodes.field("missing_go_to_left") { missingLeft = m } else { missingLeft = nil }
        let values = try tree.array("values")
        guard values.shape.count == 3, values.shape[0] == count, values.shape[1] == 1, values.shape[2] >= classes,
            let v = values.doubles
        else { throw .invalidTree(tree: t, reason: "values has shape \(values.shape)") }
        let width = values.shape[2]
        var leaves: [Int: [Double]] = [:]
        for n in 0..<count where l[n] == -1 { leaves[n] = Array(v[(n * width)..<(n * width + classes)]) }
        self.leaves = leaves
    }

    func build(into builder: inout EnsembleBuilder<Double>, group: Int, leaf value: ([Double]) -> Double) throws(ModelFileError) {
        let t = builder.treeCountSoFar
        try builder.beginTree(nodeCount: left.count, group: group)
        for n in left.indices {
            if let leaf = leaves[n] {
                try builder.leaf(node: n, value: value(leaf))
            } else {
                guard let l = Int(exactly: left[n]), let r = Int(exactly: right[n]), let f = Int(exactly: feature[n]) else {
                    throw .invalidTree(tree: t, reason: "node \(n) has an out-of-range index")
                }
                try builder.numericalSplit(
                    node: n, feature: f, threshold: threshold[n], defaultLeft: (missingLeft?[n] ?? 0) != 0, left: l, right: r)
            }
        }
        try builder.endTree()
    }
}
