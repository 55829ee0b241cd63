#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A fitted final estimator.
protocol SklearnEstimator: Sendable {
    func supports(_ function: SklearnPredictor.PredictFunction) -> Bool
    func predict(_ table: SklearnTable, _ function: SklearnPredictor.PredictFunction) throws(ScoringError) -> Predictions
}

/// Serves an MLflow `sklearn` flavor model saved as skops (`model.skops`) natively.
///
/// The archive is read as data (`SkopsArchive`); the root is an estimator or a `Pipeline` of
/// transformers ending in one. Supported (anything else is `ModelFileError.unsupported`, naming the
/// class, so the server can fall back to Python):
/// * estimators: `LogisticRegression`, `LinearRegression`, `Ridge`, `Lasso`, `ElasticNet`,
///   `SGDClassifier`, `SGDRegressor` (`SklearnLinearModel`); `DecisionTree*`, `ExtraTree*`,
///   `RandomForest*`, `ExtraTrees*` (`SklearnForest`); `HistGradientBoosting*` without categorical
///   features (`SklearnHistGradientBoosting`);
/// * transformers: `StandardScaler`, `MinMaxScaler`, `RobustScaler`, `SimpleImputer`,
///   `OneHotEncoder`, `OrdinalEncoder`, `FunctionTransformer()` (identity only),
///   `ColumnTransformer`, nested `Pipeline`.
///
/// `predictFunction` is the python_function flavor's `predict_fn` (MLflow's `pyfunc_predict_fn`):
/// `predict` gives labels (`.int64s`, `.strings`, `.doubles`) or values (`.doubles`);
/// `predict_proba` and `predict_log_proba` give `.doubleMatrix` with one column per class.
///
/// Columns are matched by `feature_names_in_` when the model was fitted on a DataFrame (a missing
/// name is sklearn's error), else by position. String columns flow as strings into encoders.
package struct SklearnPredictor: Predictor {
    package enum PredictFunction: String, Sendable, CaseIterable {
        case predict
        case predictProba = "predict_proba"
        case predictLogProba = "predict_log_proba"
    }

    package var flavor: String { "sklearn" }
    package var runtime: String { "native" }

    package let function: PredictFunction
    /// The root estimator's class (`sklearn.pipeline.Pipeline`, ...).
    package let modelClass: String
    package let featureNames: [String]?
    let featureCount: Int?
    let transformer: SklearnChain
    let estimator: any SklearnEstimator

    /// Loads `model.skops` (the flavor's `pickled_model`) to answer `predictFunction`.
    package init(modelFile: URL, predictFunction: String = "predict") throws(ModelFileError) {
        if modelFile.pathExtension != "skops" {
            throw .unsupported("sklearn serialization other than skops (\(modelFile.lastPathComponent))")
        }
        try self.init(archive: try SkopsArchive(contentsOf: modelFile), predictFunction: predictFunction)
    }

    package init(archive: SkopsArchive, predictFunction: String = "predict") throws(ModelFileError) {
        guard let function = PredictFunction(rawValue: predictFunction) else {
            throw .unsupported("pyfunc predict_fn \(predictFunction)")
        }
        self.function = function
        let root = try SkopsObject(archive.root)
        modelClass = root.type
        var steps: [any SklearnTransformer] = []
        var final = root
        var first = root
        if root.type == "sklearn.pipeline.Pipeline" {
            let (transformers, last) = try SklearnSteps.pipeline(root)
            steps = transformers
            final = try SkopsObject(last)
            // The pipeline's feature_names_in_ are its first step's.
            if case .list(let all) = try root.raw("steps"), case .list(let pair)? = all.first, pair.count == 2,
                case .object = pair[1]
            {
                first = try SkopsObject(pair[1])
            }
        }
        transformer = SklearnChain(steps: steps)
        estimator = try Self.estimator(final)
        guard estimator.supports(function) else { throw .unsupported("\(final.name).\(predictFunction)") }
        featureNames = try first.featureNames()
        featureCount = first.has("n_features_in_") ? try first.int("n_features_in_") : nil
    }

    static let estimators: Set<String> = [
        "sklearn.linear_model._logistic.LogisticRegression", "sklearn.linear_model._base.LinearRegression",
        "sklearn.linear_model._ridge.Ridge", "sklearn.linear_model._coordinate_descent.Lasso",
        "sklearn.linear_model._coordinate_descent.ElasticNet", "sklearn.linear_model._stochastic_gradient.SGDClassifier",
        "sklearn.linear_model._stochastic_gradient.SGDRegressor",
        "sklearn.tree._classes.DecisionTreeClassifier", "sklearn.tree._classes.DecisionTreeRegressor",
        "sklearn.tree._classes.ExtraTreeClassifier", "sklearn.tree._classes.ExtraTreeRegressor",
        "sklearn.ensemble._forest.RandomForestClassifier", "sklearn.ensemble._forest.RandomForestRegressor",
        "sklearn.ensemble._forest.ExtraTreesClassifier", "sklearn.ensemble._forest.ExtraTreesRegressor",
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor",
    ]

    static func estimator(_ o: SkopsObject) throws(ModelFileError) -> any SklearnEstimator {
        guard estimators.contains(o.type) else { throw .unsupported("scikit-learn estimator \(o.type)") }
        if o.type.hasPrefix("sklearn.linear_model.") { return try SklearnLinearModel(o) }
        if o.type.hasPrefix("sklearn.ensemble._hist_gradient_boosting.") { return try SklearnHistGradientBoosting(o) }
        return try SklearnForest(o)
    }

    /// Whether answers are bit-identical to the library's: false for linear models, whose
    /// `X @ coef_` numpy hands to OpenBLAS (see `SklearnLinearModel`); their values agree to
    /// about 1e-15 relative, and labels agree unless a decision is within that of zero.
    package var isBitExact: Bool { !(estimator is SklearnLinearModel) }

    package func predict(_ frame: Frame) throws(ScoringError) -> Predictions {
        let table = try SklearnTable(frame: frame, featureNames: featureNames, featureCount: featureCount)
        return try estimator.predict(try transformer.transform(table), function)
    }
}
