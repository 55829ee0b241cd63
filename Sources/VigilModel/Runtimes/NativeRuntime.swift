import Foundation

/// Picks the native runtime for a model from its MLmodel flavors.
package enum NativeRuntime {
    /// The predictor for `manifest`'s model, or nil when no native runtime knows its flavors.
    /// Throws `ModelFileError` when the model file is broken, or `.unsupported` when the
    /// runtime knows the flavor but not a feature the model uses (the caller may fall back to Python).
    package static func predictor(
        for manifest: ModelManifest, directory: String
    ) throws(ModelFileError) -> (predictor: any Predictor, flavor: String)? {
        let root = URL(fileURLWithPath: directory)
        if let xgboost = manifest.xgboost {
            let file = try modelFile(xgboost.data, in: root, flavor: "xgboost")
            return (try XGBoostPredictor(modelFile: file, modelClass: xgboost.modelClass), "xgboost")
        }
        if let lightgbm = manifest.lightgbm {
            let file = try modelFile(lightgbm.data, in: root, flavor: "lightgbm")
            return (try LightGBMPredictor(modelFile: file, modelClass: lightgbm.modelClass), "lightgbm")
        }
        if let sklearn = manifest.sklearn {
            guard sklearn.serializationFormat == nil || sklearn.serializationFormat == "skops" else {
                // A pickle can only be read by executing it: that is the Python runtime's job.
                throw .unsupported("scikit-learn model serialized as \(sklearn.serializationFormat ?? "pickle")")
            }
            let file = try modelFile(sklearn.pickledModel, in: root, flavor: "sklearn")
            let predictFunction = manifest.pythonFunction?.predictFunction ?? "predict"
            return (try SklearnPredictor(modelFile: file, predictFunction: predictFunction), "sklearn")
        }
        return nil
    }

    /// The flavor's data file, which must stay inside the model directory.
    static func modelFile(_ relative: String?, in root: URL, flavor: String) throws(ModelFileError) -> URL {
        guard let relative, !relative.isEmpty else { throw .missingField("flavors.\(flavor).data") }
        let file = root.appendingPathComponent(relative).standardizedFileURL
        guard file.path.hasPrefix(root.standardizedFileURL.path + "/") else {
            throw .invalidValue(field: "flavors.\(flavor).data", reason: "'\(relative)' leaves the model directory")
        }
        return file
    }
}
