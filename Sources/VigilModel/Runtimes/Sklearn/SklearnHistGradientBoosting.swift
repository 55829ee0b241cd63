#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `HistGradientBoostingClassifier` and `HistGradientBoostingRegressor` (numerical features) in
/// the shared tree IR.
///
/// sklearn 1.9 (`_hist_gradient_boosting/gradient_boosting.py`, `_predictor.pyx`): inputs stay
/// float64; a node goes left iff `x <= num_threshold`, NaN follows `missing_go_to_left`; leaf
/// values already carry the learning rate. The raw score starts at `_baseline_prediction` and
/// adds each iteration's trees in order. Then the loss's link: identity; `exp` (Poisson, Gamma,
/// Tweedie); expit, `[1 - p, p]` (binary); sklearn's softmax (multiclass). Labels are
/// `classes_[argmax(proba)]`. Categorical splits (`categorical_features`) are not supported.
struct SklearnHistGradientBoosting: SklearnEstimator {
    enum Link: Sendable {
        case identity
        case exponential
        case logit
        case multinomial
    }

    let labels: ClassLabels?
    let link: Link
    let baseline: [Double]
    let featureCount: Int
    let ensemble: TreeEnsemble<Double>

    init(_ o: SkopsObject) throws(ModelFileError) {
        let featureCount = try o.int("n_features_in_")
        self.featureCount = featureCount
        guard !o.has("_preprocessor") else { throw .unsupported("\(o.name) with categorical features") }
        if o.has("is_categorical_"), case .bool(let flags) = try o.array("is_categorical_").values, flags.contains(true) {
            throw .unsupported("\(o.name) with categorical features")
        }
        let groups = try o.int("n_trees_per_iteration_")
        guard groups >= 1, groups <= 1 << 16 else { throw .invalidValue(field: "\(o.name).n_trees_per_iteration_", reason: "\(groups)") }
        let (shape, base) = try o.doubles("_baseline_prediction")
        guard base.count == groups, shape.reduce(1, *) == groups else {
            throw .invalidValue(field: "\(o.name)._baseline_prediction", reason: "shape \(shape)")
        }
        baseline = base
        let loss = try o.object("_loss")
        switch loss.name {
        case "HalfSquaredError", "AbsoluteError", "PinballLoss", "HuberLoss": link = .identity
        case "HalfPoissonLoss", "HalfGammaLoss", "HalfTweedieLoss": link = .exponential
        case "HalfBinomialLoss": link = .logit
        case "HalfMultinomialLoss": link = .multinomial
        default: throw .unsupported("\(o.name) with loss \(loss.type)")
        }
        if o.name == "HistGradientBoostingClassifier" {
            let labels = try ClassLabels(try o.array("classes_"), field: "\(o.name).classes_")
            guard labels.count >= 2, groups == (labels.count == 2 ? 1 : labels.count), link == .logit || link == .multinomial else {
                throw .invalidValue(field: "\(o.name).classes_", reason: "\(labels.count) classes for \(groups) trees per iteration")
            }
            self.labels = labels
        } else {
            guard groups == 1 else { throw .unsupported("\(o.name) with several outputs") }
            labels = nil
        }
        var builder = EnsembleBuilder<Double>(featureCount: featureCount, groupCount: groups, comparison: .lessOrEqual)
        for (i, iteration) in try o.list("_predictors").enumerated() {
            guard case .list(let trees) = iteration, trees.count == groups else {
                throw .invalidValue(field: "\(o.name)._predictors[\(i)]", reason: "not \(groups) trees")
            }
            for (k, tree) in trees.enumerated() {
                try Self.build(try SkopsObject(tree), group: k, featureCount: featureCount, into: &builder)
            }
        }
        ensemble = try builder.finish()
    }

    private static func build(
        _ tree: SkopsObject, group: Int, featureCount: Int, into builder: inout EnsembleBuilder<Double>
    ) throws(ModelFileError) {
        let t = builder.treeCountSoFar
        guard tree.type == "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor" else {
            throw .invalidTree(tree: t, reason: "is a \(tree.type)")
        }
        let nodes = try tree.array("nodes")
        guard nodes.shape.count == 1, nodes.shape[0] >= 1,
            case .float64(let value)? = nodes.field("value"), case .int64(let feature)? = nodes.field("feature_idx"),
            case .float64(let threshold)? = nodes.field("num_threshold"), case .int64(let missingLeft)? = nodes.field("missing_go_to_left"),
            case .int64(let left)? = nodes.field("left"), case .int64(let right)? = nodes.field("right"),
            case .int64(let isLeaf)? = nodes.field("is_leaf")
        else { throw .invalidTree(tree: t, reason: "nodes lack the TreePredictor fields") }
        if case .int64(let categorical)? = nodes.field("is_categorical"), categorical.contains(where: { $0 != 0 }) {
            throw .unsupported("HistGradientBoosting categorical splits")
        }
        try builder.beginTree(nodeCount: nodes.shape[0], group: group)
        for n in 0..<nodes.shape[0] {
            if isLeaf[n] != 0 {
                try builder.leaf(node: n, value: value[n])
            } else {
                guard let f = Int(exactly: feature[n]), let l = Int(exactly: left[n]), let r = Int(exactly: right[n]) else {
                    throw .invalidTree(tree: t, reason: "node \(n) has an out-of-range index")
                }
                try builder.numericalSplit(node: n, feature: f, threshold: threshold[n], defaultLeft: missingLeft[n] != 0, left: l, right: r)
            }
        }
        try builder.endTree()
    }

    func supports(_ function: SklearnPredictor.PredictFunction) -> Bool { function == .predict || labels != nil }

    func predict(_ table: SklearnTable, _ function: SklearnPredictor.PredictFunction) throws(ScoringError) -> Predictions {
        try checkWidth(table, featureCount, "HistGradientBoosting")
        let rows = table.rowCount
        let groups = ensemble.groupCount
        var x = [Double](repeating: 0, count: rows * featureCount)
        for c in 0..<featureCount {
            let v = try table.numbers(c)
            for r in 0..<rows { x[r * featureCount + c] = v[r] }
        }
        var raw = [Double](repeating: 0, count: rows * groups)
        for r in 0..<rows { for k in 0..<groups { raw[r * groups + k] = baseline[k] } }
        x.withUnsafeBufferPointer { xs in
            raw.withUnsafeMutableBufferPointer { s in ensemble.accumulate(features: xs, rowCount: rows, into: s) }
        }
        switch link {
        case .identity: return .doubles(raw)
        case .exponential: return .doubles(raw.map { exp($0) })
        case .logit, .multinomial: break
        }
        guard let labels else { return .doubles(raw) }
        let width = labels.count
        var p = [Double](repeating: 0, count: rows * width)
        if link == .logit {
            for r in 0..<rows {
                let e = SklearnLinearModel.expit(raw[r])
                p[r * 2] = 1 - e
                p[r * 2 + 1] = e
            }
        } else {
            for r in 0..<rows { SklearnLinearModel.softmax(raw, row: r, width: width, into: &p) }
        }
        switch function {
        case .predict: return labels.take(ClassLabels.argmax(p, rows: rows, width: width))
        case .predictProba: return .doubleMatrix(columns: width, values: p)
        case .predictLogProba: return .doubleMatrix(columns: width, values: p.map { log($0) })
        }
    }
}
