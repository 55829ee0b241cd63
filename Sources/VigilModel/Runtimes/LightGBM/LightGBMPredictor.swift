#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Serves an MLflow `lightgbm` flavor model natively, answering what MLflow's pyfunc answers
/// bit for bit (LightGBM 4.7, MLflow 3.17; pinned by `Tests/Fixtures/lightgbm`).
///
/// What MLflow returns depends on the flavor's `model_class`:
/// * `lightgbm.basic.Booster` (`model.lgb`, the text model): `booster.predict(df)`, the objective's
///   output: `.doubles`, or `.doubleMatrix` for multiclass objectives.
/// * `lightgbm.sklearn.LGBMClassifier` (`model.skops`): class labels from `classes_`: `.int64s`,
///   `.strings` or `.doubles` as the labels were. Binary: `classes_[1]` iff `p > 1 - p` (argmax of
///   `[1 - p, p]`); multiclass: the first largest probability.
/// * `lightgbm.sklearn.LGBMRegressor`, `LGBMRanker` (`model.skops`): the objective's output.
///
/// The sklearn classes predict with the booster's `best_iteration` when early stopping set one
/// (`Booster.predict(num_iteration=None)`); a Booster file holds only the iterations it predicts
/// with (`save_model` cuts at the best iteration).
///
/// See `LightGBMModel` for the split rules. MLflow cannot serve a model trained on pandas
/// categorical columns (the request's strings arrive as `object`, and LightGBM refuses them);
/// Vigil serves it, answering what `predict` answers for the same rows as pandas categories.
package struct LightGBMPredictor: Predictor {
    package enum ModelClass: String, Sendable, CaseIterable {
        case booster = "lightgbm.basic.Booster"
        case classifier = "lightgbm.sklearn.LGBMClassifier"
        case regressor = "lightgbm.sklearn.LGBMRegressor"
        case ranker = "lightgbm.sklearn.LGBMRanker"
    }

    /// Class labels of an `LGBMClassifier` (`classes_`), in the dtype they were fitted with.
    package typealias Labels = ClassLabels

    package var flavor: String { "lightgbm" }
    package var runtime: String { "native" }

    package let model: LightGBMModel
    package let modelClass: ModelClass
    /// The trees `predict` uses.
    package let trees: Range<Int>
    /// `classes_` for a classifier.
    package let labels: Labels?
    private let features: LightGBMFeatures

    /// Loads the flavor's `data` file: `model.lgb` for a Booster, `model.skops` for the sklearn
    /// classes, as `modelClass` (the flavor's `model_class`).
    package init(modelFile: URL, modelClass: String) throws(ModelFileError) {
        guard let cls = ModelClass(rawValue: modelClass) else {
            throw .unsupported("lightgbm model_class \(modelClass)")
        }
        if cls == .booster {
            try self.init(model: try LightGBMModel(contentsOf: modelFile), modelClass: cls, bestIteration: nil, labels: nil)
        } else {
            guard modelFile.pathExtension == "skops" else {
                throw .unsupported("\(modelClass) serialized as \(modelFile.lastPathComponent) (only skops is read natively)")
            }
            let archive = try SkopsArchive(contentsOf: modelFile)
            let estimator = try LightGBMEstimator(archive.root, expected: cls)
            try self.init(
                model: estimator.model, modelClass: cls, bestIteration: estimator.bestIteration, labels: estimator.labels)
        }
    }

    package init(model: LightGBMModel, modelClass: ModelClass, bestIteration: Int?, labels: Labels?) throws(ModelFileError) {
        self.model = model
        self.modelClass = modelClass
        // Booster.predict: num_iteration = best_iteration when > 0, else all.
        let iterations = bestIteration.map { $0 > 0 ? min($0, model.iterationCount) : model.iterationCount } ?? model.iterationCount
        trees = 0..<iterations * model.treesPerIteration
        if modelClass == .classifier {
            guard let labels else { throw .missingField("classes_") }
            let groups = model.treesPerIteration
            guard labels.count >= 2, groups == 1 ? labels.count == 2 : labels.count == groups else {
                throw .invalidValue(field: "classes_", reason: "\(labels.count) classes for \(groups) trees per iteration")
            }
            switch model.objective.transform {
            case .sigmoid, .softmax, .sigmoidPerClass: break
            default: throw .unsupported("LGBMClassifier with objective \(model.objective.name)")
            }
        }
        self.labels = labels
        features = LightGBMFeatures(model: model)
    }

    package var featureNames: [String] { model.featureNames }

    /// Most input doubles converted at once (32 MiB).
    private static let matrixDoubles = 1 << 22

    package func predict(_ frame: Frame) throws(ScoringError) -> Predictions {
        let rows = frame.rowCount
        let groups = model.treesPerIteration
        var scores = try rawScores(frame)
        if model.averageOutput {
            // GBDT::Predict: rf divides the raw sum by the iterations used, before the transform.
            let iterations = Double(trees.count / groups)
            for i in scores.indices { scores[i] /= iterations }
        }
        scores.withUnsafeMutableBufferPointer { s in
            model.objective.apply(to: s, rows: rows, groups: groups)
        }
        guard modelClass == .classifier, let labels else {
            return groups > 1 ? .doubleMatrix(columns: groups, values: scores) : .doubles(scores)
        }
        if groups == 1 {
            // np.argmax(np.vstack((1.0 - p, p)).T): class 1 only if strictly larger.
            return labels.take(scores.map { $0 > 1.0 - $0 ? 1 : 0 })
        }
        return labels.take(ClassLabels.argmax(scores, rows: rows, width: groups))
    }

    /// Raw scores, `rowCount × treesPerIteration` row-major (`predict(raw_score=True)`: for rf
    /// the sum, not yet the average).
    package func rawScores(_ frame: Frame) throws(ScoringError) -> [Double] {
        let rows = frame.rowCount
        let groups = model.treesPerIteration
        let stride = model.inputs.count
        let columns = try features.columns(for: frame)
        var scores = [Double](repeating: 0, count: rows * groups)
        let chunk = max(1, min(rows, Self.matrixDoubles / max(stride, 1)))
        var failure: ScoringError?
        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(chunk * stride, 1)) { matrix in
            scores.withUnsafeMutableBufferPointer { out in
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
                    model.ensemble.accumulate(features: UnsafeBufferPointer(matrix), rowCount: end - start, into: sums, trees: trees)
                    start = end
                }
            }
        }
        if let failure { throw failure }
        return scores
    }
}
