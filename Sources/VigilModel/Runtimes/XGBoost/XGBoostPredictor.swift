#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Serves an MLflow `xgboost` flavor model natively, answering what MLflow's pyfunc answers
/// bit for bit.
///
/// What MLflow returns depends on the Python class the model was logged as (the flavor's
/// `model_class`):
/// * `xgboost.core.Booster`: `booster.predict(DMatrix(df))`, the objective's transformed output:
///   `.floats` (P(class 1), values, softmax class index as a float) or `.floatMatrix` (softprob).
/// * `XGBClassifier`, `XGBRFClassifier`: class labels, `.int64s`.
/// * `XGBRegressor`, `XGBRFRegressor`: the transformed output, like a Booster.
///
/// The sklearn classes predict through `inplace_predict`, which differs from the Booster in two
/// ways kept here: early-stopped models use only the rounds up to `best_iteration`, and dart
/// scales each tree above the base margin (`TreeWeighting.weightedAboveBase`).
///
/// ## XGBoost 3.2 semantics reproduced here
///
/// For MLflow 3.17 and XGBoost 3.2, checked bit for bit by `Tests/VigilModelTests/Runtimes/XGBoost`
/// against the fixtures of `python/fixtures/make_xgboost.py`. Each rule was read in XGBoost's source
/// (tag v3.2.0) and is pinned by a fixture: change one and a fixture fails.
///
/// ### Reading the file
///
/// * `model.ubj` is UBJSON (`UBJSONReader`), `model.json` JSON (`JSONModelReader`); the legacy binary
///   `.xgb` is refused. JSON numbers are parsed straight to float32 (`strtof`), never through double.
/// * `learner_model_param.base_score` is a string holding one float or an array (`"[4.9875E-1]"`,
///   per class since 3.1; a single value is repeated for every class, as older files need).
/// * Trees are placed by their `id`; `tree_info[t]` is the output group of tree `t`.
/// * A node with `left_children == -1` is a leaf; its output is `split_conditions`. XGBoost's predictor
///   goes to `left + 1` for "not less" and to `right_children` only for a missing value, so a file whose
///   right child is not `left + 1` is refused (XGBoost never writes one).
///
/// ### Walking a tree (all float32)
///
/// * Input doubles become float32 (round to nearest); an infinite value is an error (XGBoost:
///   "Input data contains `inf`"), NaN is missing and takes `default_left`.
/// * Numerical split: left iff `x < split_condition`.
/// * Categorical split (`split_type == 1`): the node's `categories` are the categories that go
///   **right**; a value goes right iff `0 <= x < 2^24` and `Int(x)` (truncated) is in the set; anything
///   else (not in the set, negative, past the set) goes left. Strings are mapped to codes with the
///   category names stored in `gradient_booster.model.cats` (XGBoost ≥ 3.1); an unknown string is an
///   error, as in XGBoost. Numbers are taken as codes.
///
/// ### Summing trees
///
/// * The sum starts at the base margin, computed in float32 with libm: `binary:logistic`,
///   `reg:logistic`: clamp to `[1e-6, 1 - 1e-6]`, then `-logf(1/p - 1)`; `count:poisson`, `reg:gamma`,
///   `reg:tweedie`, `survival:cox`: `logf(p)`; all others (incl. `binary:logitraw`, multiclass): as is.
/// * Leaves are added one tree at a time in tree order, in float32 (row by row the order is XGBoost's).
/// * Dart: `weight_drop[t]` scales tree `t`, with a rounding that depends on the API: `Booster.predict`
///   (MLflow's Booster) does `sum += (0 + leaf) * w`; `inplace_predict` (every sklearn class) does
///   `sum += ((base + leaf) - base) * w`. They differ in the last bit for about a third of the rows.
/// * `num_parallel_tree > 1` needs nothing special: parallel trees are ordinary trees in `tree_info`.
/// * The sklearn classes use only the rounds up to `learner.attributes.best_iteration` when early
///   stopping set it; a Booster uses all trees.
///
/// ### Transforms (XGBoost's `PredTransform`)
///
/// * Sigmoid: `1 / (expf(min(-x, 88.7)) + 1 + 1e-16f)` with glibc `expf`.
/// * `count:poisson`, `reg:gamma`, `reg:tweedie`, `survival:cox`: `expf(x)`; `binary:hinge`: `x > 0 ? 1 : 0`.
/// * `multi:softprob`: `m = fmaxf` over the row; `e_k = expf(x_k - m)` in float; the sum of the `e_k`
///   in **double**; `p_k = e_k / Float(sum)`.
/// * `multi:softmax`: the first index of the largest margin, as a float.
///
/// ### What MLflow serves per `model_class`
///
/// * `xgboost.core.Booster`: the transformed output (`.floats`; `.floatMatrix` for softprob).
/// * `XGBClassifier`, `XGBRFClassifier`: labels (`.int64s`): binary `p > 0.5`; multiclass the first
///   largest probability (`np.argmax`); `multi:softmax` the class index.
/// * `XGBRegressor`, `XGBRFRegressor`: the transformed output.
///
/// MLflow itself cannot serve a model with a categorical feature: its signature says `string`, and
/// `DMatrix` refuses object columns (`DataFrame.dtypes for data must be int, float, bool or category`).
/// Vigil serves it, answering what `booster.predict` answers for the same rows as pandas categories.
package struct XGBoostPredictor: Predictor {
    package enum ModelClass: String, Sendable, CaseIterable {
        case booster = "xgboost.core.Booster"
        case classifier = "xgboost.sklearn.XGBClassifier"
        case regressor = "xgboost.sklearn.XGBRegressor"
        case randomForestClassifier = "xgboost.sklearn.XGBRFClassifier"
        case randomForestRegressor = "xgboost.sklearn.XGBRFRegressor"

        var isClassifier: Bool { self == .classifier || self == .randomForestClassifier }
        /// Predicts through the sklearn API (`XGBModel.predict` → `inplace_predict`).
        var isSklearn: Bool { self != .booster }
    }

    package var flavor: String { "xgboost" }
    package var runtime: String { "native" }

    package let model: XGBoostModel
    package let modelClass: ModelClass
    /// The trees `predict` uses (all, or up to `best_iteration` for the sklearn classes).
    package let trees: Range<Int>
    private let weighting: TreeWeighting<Float>
    private let features: XGBoostFeatures

    /// Loads `modelFile` (the flavor's `data`, `model.ubj` or `model.json`) as `modelClass`
    /// (the flavor's `model_class`).
    package init(modelFile: URL, modelClass: String) throws(ModelFileError) {
        try self.init(model: try XGBoostModel(contentsOf: modelFile), modelClass: modelClass)
    }

    package init(model: XGBoostModel, modelClass: String) throws(ModelFileError) {
        guard let cls = ModelClass(rawValue: modelClass) else {
            throw .unsupported("xgboost model_class \(modelClass)")
        }
        self.model = model
        self.modelClass = cls
        trees = cls.isSklearn ? model.trees(rounds: model.bestIteration.map { $0 + 1 }) : model.trees(rounds: nil)
        if model.isDart {
            weighting = cls.isSklearn ? .weightedAboveBase(model.baseMargin) : .weighted
        } else {
            weighting = .none
        }
        features = XGBoostFeatures(model: model)
    }

    /// Most input floats converted at once (16 MiB).
    private static let matrixFloats = 1 << 22

    /// The model's input features by name, if it stores them (else columns count by position).
    package var featureNames: [String]? { model.featureNames }

    package func predict(_ frame: Frame) throws(ScoringError) -> Predictions {
        let rows = frame.rowCount
        let groups = model.groupCount
        var margins = try margins(frame)
        let objective = model.objective
        switch modelClass {
        case .booster, .regressor, .randomForestRegressor:
            let width = objective.outputWidth(groups: groups)
            margins.withUnsafeMutableBufferPointer { m in
                objective.transform(UnsafeBufferPointer(m), rows: rows, groups: groups, into: m)
            }
            if width != groups { margins.removeLast(rows * (groups - width)) }  // softmax: one index per row
            return objective.link == .softprob ? .floatMatrix(columns: groups, values: margins) : .floats(margins)
        case .classifier, .randomForestClassifier:
            return classLabels(margins, rows: rows, groups: groups)
        }
    }

    /// The objective's family: `binary:*`, `multi:*` and the classifier classes classify.
    package var task: PredictionTask? {
        if modelClass.isClassifier { return .classification }
        let name = model.objective.name
        return name.hasPrefix("binary:") || name.hasPrefix("multi:") ? .classification : .regression
    }

    /// A binary logistic model also gives P(class 1) from the same tree pass: the classifier
    /// classes compute it before thresholding, a Booster serves it.
    package func predictWithProbabilities(_ frame: Frame) throws(ScoringError) -> (Predictions, probabilities: [Double]?) {
        let binaryLogistic = model.objective.link == .logistic && model.groupCount == 1
        guard binaryLogistic, modelClass.isClassifier || model.objective.name == "binary:logistic" else {
            return (try predict(frame), nil)
        }
        guard modelClass.isClassifier else {
            let predictions = try predict(frame)
            guard case .floats(let p) = predictions else { return (predictions, nil) }
            return (predictions, p.map(Double.init))
        }
        let margins = try margins(frame)
        var probabilities = margins
        probabilities.withUnsafeMutableBufferPointer { p in
            model.objective.transform(UnsafeBufferPointer(p), rows: frame.rowCount, groups: 1, into: p)
        }
        return (classLabels(margins, rows: frame.rowCount, groups: 1), probabilities.map(Double.init))
    }

    /// Raw margins, `rowCount × groups` row-major, before the objective's transform
    /// (`predict(..., output_margin=True)` for this model class).
    package func margins(_ frame: Frame) throws(ScoringError) -> [Float] {
        let rows = frame.rowCount
        let groups = model.groupCount
        let stride = model.featureCount
        let columns = try features.columns(for: frame)
        var margins = [Float](repeating: 0, count: rows * groups)
        for r in 0..<rows {
            for g in 0..<groups { margins[r * groups + g] = model.baseMargin[g] }
        }
        // Rows go through a float matrix a chunk at a time, so that a wide model cannot make a
        // request allocate rows × features at once.
        let chunk = max(1, min(rows, Self.matrixFloats / max(stride, 1)))
        var failure: ScoringError?
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(chunk * stride, 1)) { matrix in
            margins.withUnsafeMutableBufferPointer { out in
                var start = 0
                while start < rows {
                    let end = min(start + chunk, rows)
                    do throws(ScoringError) {
                        try features.fill(matrix, from: frame, rows: start..<end, columns: columns)
                    } catch {
                        failure = error
                        return
                    }
                    let sums = UnsafeMutableBufferPointer(rebasing: out[start * groups..<end * groups])
                    model.ensemble.accumulate(
                        features: UnsafeBufferPointer(matrix), rowCount: end - start, into: sums, trees: trees,
                        weighting: weighting)
                    start = end
                }
            }
        }
        if let failure { throw failure }
        return margins
    }

    /// `XGBClassifier.predict`: labels from the transformed output.
    private func classLabels(_ margins: [Float], rows: Int, groups: Int) -> Predictions {
        let objective = model.objective
        let classes = max(model.classCount, 2)  // n_classes_: binary models store num_class 0
        var out = [Float](repeating: 0, count: rows * objective.outputWidth(groups: groups))
        margins.withUnsafeBufferPointer { m in
            out.withUnsafeMutableBufferPointer { o in
                objective.transform(m, rows: rows, groups: groups, into: o)
            }
        }
        switch objective.link {
        case .softmax:
            // class_probs.astype(np.int32)
            return .int64s(out.map { Int64($0) })
        case .softprob where groups > 1 && classes != 2:
            // np.argmax(class_probs, axis=1): the first largest; a NaN wins at once.
            var labels = [Int64](repeating: 0, count: rows)
            for r in 0..<rows {
                var best = 0
                for k in 0..<groups {
                    let v = out[r * groups + k]
                    if v.isNaN {
                        best = k
                        break
                    }
                    if v > out[r * groups + best] { best = k }
                }
                labels[r] = Int64(best)
            }
            return .int64s(labels)
        case .softprob where groups > 1:
            // Two-column output with n_classes_ == 2 is read as multi-label: each column > 0.5.
            return .doubleMatrix(columns: groups, values: out.map { $0 > 0.5 ? 1 : 0 })
        default:
            // column_indexes[class_probs > 0.5] = 1
            return .int64s(out.map { $0 > 0.5 ? 1 : 0 })
        }
    }
}
