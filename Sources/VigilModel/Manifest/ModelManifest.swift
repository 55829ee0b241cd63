import Foundation
import Yams

/// What an `MLmodel` file says about a model (`mlflow/models/model.py`), plus the serving input
/// example saved beside it.
package struct ModelManifest: Sendable {
    /// Flavor name → its configuration, in file order (`python_function`, `xgboost`, …).
    package var flavors: JSONObject
    package var runID: String?
    package var modelUUID: String?
    package var modelID: String?
    package var mlflowVersion: String?
    package var utcTimeCreated: String?
    package var artifactPath: String?
    package var savedInputExampleInfo: JSONObject?
    package var metadata: JSONObject?
    package var signature: ModelSignature?
    /// MLflow skips request parsing for signatures inferred from type hints (PythonModel only).
    package var isSignatureFromTypeHint: Bool
    /// Every top-level field, for anything not surfaced above.
    package var fields: JSONObject
    /// The body of `serving_input_example.json` when the model directory has one (warm-up request).
    package var servingInputExample: [UInt8]?

    /// Parses the text of an `MLmodel` file.
    package init(yaml: String) throws(ModelFileError) {
        let root: JSONValue
        do {
            guard let node = try Yams.compose(yaml: yaml) else { throw ModelFileError.invalidYAML("the file is empty") }
            root = Self.json(from: node)
        } catch let error as ModelFileError {
            throw error
        } catch {
            throw ModelFileError.invalidYAML("\(error)")
        }
        guard case .object(let fields) = root else {
            throw ModelFileError.invalidField("(top level)", expected: "a mapping")
        }
        self.fields = fields
        guard case .object(let flavors)? = fields["flavors"] else {
            throw fields["flavors"] == nil ? ModelFileError.noFlavors : .invalidField("flavors", expected: "a mapping")
        }
        guard !flavors.isEmpty else { throw ModelFileError.noFlavors }
        for (name, config) in flavors.pairs where config.objectValue == nil {
            throw ModelFileError.invalidField("flavors.\(name)", expected: "a mapping")
        }
        self.flavors = flavors
        runID = try Self.string(fields, "run_id")
        modelUUID = try Self.string(fields, "model_uuid")
        modelID = try Self.string(fields, "model_id")
        mlflowVersion = try Self.string(fields, "mlflow_version")
        utcTimeCreated = try Self.string(fields, "utc_time_created")
        artifactPath = try Self.string(fields, "artifact_path")
        savedInputExampleInfo = try Self.object(fields, "saved_input_example_info")
        metadata = try Self.object(fields, "metadata")
        if case .bool(let b)? = fields["is_signature_from_type_hint"] {
            isSignatureFromTypeHint = b
        } else {
            isSignatureFromTypeHint = false
        }
        if let signature = try Self.object(fields, "signature") {
            self.signature = try ModelSignature(fields: signature)
        } else {
            self.signature = nil
        }
        servingInputExample = nil
    }

    /// Reads `MLmodel` (and `serving_input_example.json`, when present) from a model directory.
    package static func load(directory: String) throws(ModelFileError) -> ModelManifest {
        let path = (directory as NSString).appendingPathComponent("MLmodel")
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ModelFileError.unreadable(path: path, reason: error.localizedDescription)
        }
        var manifest = try ModelManifest(yaml: text)
        let examplePath = (directory as NSString).appendingPathComponent(
            manifest.savedInputExampleInfo?["serving_input_path"]?.stringValue ?? "serving_input_example.json")
        if let data = FileManager.default.contents(atPath: examplePath) {
            manifest.servingInputExample = Array(data)
        }
        return manifest
    }

    /// The configuration of one flavor, if the model has it.
    package func flavor(_ name: String) -> JSONObject? { flavors[name]?.objectValue }

    package var pythonFunction: PythonFunctionFlavor? { flavor("python_function").map(PythonFunctionFlavor.init) }
    package var xgboost: XGBoostFlavor? { flavor("xgboost").map(XGBoostFlavor.init) }
    package var lightgbm: LightGBMFlavor? { flavor("lightgbm").map(LightGBMFlavor.init) }
    package var sklearn: SklearnFlavor? { flavor("sklearn").map(SklearnFlavor.init) }

    // MARK: YAML → JSONValue

    private static func json(from node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            let tag = Resolver.default.resolveTag(of: node).rawValue
            if tag == Tag.Name.null.rawValue { return .null }
            if tag == Tag.Name.bool.rawValue, let b = node.bool { return .bool(b) }
            if tag == Tag.Name.int.rawValue {
                if let i = Int64(scalar.string) { return .int(i) }
                if let i = node.int { return .int(Int64(i)) }
            }
            if tag == Tag.Name.float.rawValue, let d = node.float { return .double(d) }
            return .string(scalar.string)
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                object[key.string ?? "\(key)"] = json(from: value)
            }
            return .object(object)
        case .sequence(let sequence):
            return .array(sequence.map { json(from: $0) })
        case .alias:
            return .null
        }
    }

    private static func string(_ fields: JSONObject, _ key: String) throws(ModelFileError) -> String? {
        switch fields[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        case .double(let d)?: return PythonRepr.float(d)
        default: throw ModelFileError.invalidField(key, expected: "a string")
        }
    }

    private static func object(_ fields: JSONObject, _ key: String) throws(ModelFileError) -> JSONObject? {
        switch fields[key] {
        case nil, .null?: return nil
        case .object(let o)?: return o
        default: throw ModelFileError.invalidField(key, expected: "a mapping")
        }
    }
}

/// The `python_function` flavor (`mlflow/pyfunc/__init__.py`).
package struct PythonFunctionFlavor: Sendable {
    package var config: JSONObject
    package init(_ config: JSONObject) { self.config = config }
    /// Module with `_load_pyfunc(path)`, e.g. `mlflow.xgboost`.
    package var loaderModule: String? { config["loader_module"]?.stringValue }
    /// Path (relative to the model directory) handed to the loader.
    package var data: String? { config["data"]?.stringValue }
    /// The predict method name; MLflow defaults to `predict`.
    package var predictFunction: String { config["predict_fn"]?.stringValue ?? "predict" }
    package var modelPath: String? { config["model_path"]?.stringValue }
    package var pythonVersion: String? { config["python_version"]?.stringValue }
    package var code: String? { config["code"]?.stringValue }
    package var env: JSONValue? { config["env"] }
}

/// The `xgboost` flavor (`mlflow/xgboost/__init__.py`).
package struct XGBoostFlavor: Sendable {
    package var config: JSONObject
    package init(_ config: JSONObject) { self.config = config }
    /// The model file, e.g. `model.ubj`.
    package var data: String? { config["data"]?.stringValue }
    /// `xgboost.core.Booster`, `xgboost.sklearn.XGBClassifier`, …
    package var modelClass: String { config["model_class"]?.stringValue ?? "xgboost.core.Booster" }
    /// `ubj`, `json` or `xgb`; older models do not record it, and then the file extension tells.
    package var modelFormat: String? {
        config["model_format"]?.stringValue ?? data.flatMap { $0.split(separator: ".").last.map(String.init) }
    }
    package var xgbVersion: String? { config["xgb_version"]?.stringValue }
    package var code: String? { config["code"]?.stringValue }
}

/// The `lightgbm` flavor (`mlflow/lightgbm/__init__.py`).
package struct LightGBMFlavor: Sendable {
    package var config: JSONObject
    package init(_ config: JSONObject) { self.config = config }
    /// The model file, e.g. `model.lgb`.
    package var data: String? { config["data"]?.stringValue }
    package var modelClass: String { config["model_class"]?.stringValue ?? "lightgbm.basic.Booster" }
    package var lgbVersion: String? { config["lgb_version"]?.stringValue }
    package var code: String? { config["code"]?.stringValue }
}

/// The `sklearn` flavor (`mlflow/sklearn/__init__.py`).
package struct SklearnFlavor: Sendable {
    package var config: JSONObject
    package init(_ config: JSONObject) { self.config = config }
    /// The serialized estimator, e.g. `model.skops` or `model.pkl`.
    package var pickledModel: String? { config["pickled_model"]?.stringValue }
    /// `skops`, `cloudpickle` or `pickle`.
    package var serializationFormat: String? { config["serialization_format"]?.stringValue }
    package var sklearnVersion: String? { config["sklearn_version"]?.stringValue }
    package var code: String? { config["code"]?.stringValue }
}
