/// An `LGBMClassifier`, `LGBMRegressor` or `LGBMRanker` read from a skops archive: the booster's
/// text model (`_Booster.__dict__["_handle"]`, written by `Booster.__getstate__` with all
/// iterations), its `best_iteration`, and the classifier's `classes_`.
struct LightGBMEstimator {
    let model: LightGBMModel
    let bestIteration: Int?
    let labels: LightGBMPredictor.Labels?

    init(_ root: SkopsValue, expected: LightGBMPredictor.ModelClass) throws(ModelFileError) {
        guard root.typeName == expected.rawValue else {
            throw .invalidValue(field: "model.skops", reason: "holds \(root.typeName ?? "no estimator"), not \(expected.rawValue)")
        }
        guard let booster = root["_Booster"], booster.typeName == "lightgbm.basic.Booster" else {
            throw .missingField("model.skops: _Booster (is the estimator fitted?)")
        }
        guard case .string(let text)? = booster["_handle"] else { throw .missingField("model.skops: _Booster._handle") }
        model = try LightGBMModel(text: text)
        switch booster["best_iteration"] {
        case .int(let i)?: bestIteration = Int(i)
        case .none?, nil: bestIteration = nil
        default: throw .wrongType(field: "_Booster.best_iteration", expected: "an integer")
        }
        guard expected == .classifier else {
            labels = nil
            return
        }
        guard case .array(let classes)? = root["_classes"] ?? root["_le"]?["classes_"], classes.shape.count == 1 else {
            throw .missingField("model.skops: classes_")
        }
        labels = try ClassLabels(classes, field: "classes_")
    }
}
