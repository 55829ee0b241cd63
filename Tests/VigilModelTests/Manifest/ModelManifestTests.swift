import Foundation
import Testing

@testable import VigilModel

@Suite struct ModelManifestTests {
    @Test func readsTheFixtureModel() throws {
        let manifest = try ModelManifest.load(directory: Fixtures.protocolDirectory.appendingPathComponent("model").path)
        #expect(manifest.flavors.keys == ["python_function", "xgboost"])
        #expect(manifest.pythonFunction?.loaderModule == "mlflow.xgboost")
        #expect(manifest.pythonFunction?.data == "model.ubj")
        #expect(manifest.pythonFunction?.predictFunction == "predict")
        #expect(manifest.xgboost?.modelClass == "xgboost.core.Booster")
        #expect(manifest.xgboost?.modelFormat == "ubj")
        #expect(manifest.xgboost?.data == "model.ubj")
        #expect(manifest.mlflowVersion != nil)
        #expect(manifest.modelUUID?.count == 32)
        #expect(manifest.modelID == nil)
        #expect(manifest.runID == nil)
        #expect(manifest.savedInputExampleInfo?["type"] == .string("dataframe"))
        #expect(manifest.servingInputExample?.isEmpty == false)
        let signature = try #require(manifest.signature)
        #expect(signature.inputs?.pythonRepr
            == "['f0': double (required), 'count': long (required), 'f2': double (required), 'f3': double (required)]")
        #expect(signature.outputs == .tensors([TensorSpec(name: nil, dtype: "float32", shape: [-1])]))
        let params = try #require(signature.params)
        #expect(params.map(\.pythonRepr) == [
            "'threshold': double (default: 0.5)", "'label': string (default: default)", "'top_k': long (default: 3)",
            "'verbose': boolean (default: False)", "'weights': double (default: [1.0, 2.0]) (shape: (-1,))",
        ])
    }

    @Test func modelWithoutSignature() throws {
        let manifest = try ModelManifest.load(directory: Fixtures.protocolDirectory.appendingPathComponent("model_nosig").path)
        #expect(manifest.signature == nil)
        #expect(manifest.servingInputExample == nil)
    }

    @Test func jsonShapedColumnTypes() throws {
        let yaml = """
            flavors:
              python_function: {loader_module: x}
            signature:
              inputs: '[{"type": "array", "items": {"type": "double"}, "name": "a", "required": true},
                {"type": "object", "properties": {"z": {"type": "string", "required": false}, "b": {"type": "long", "required": true}}, "name": "o", "required": false},
                {"type": "map", "values": {"type": "string"}, "name": "m", "required": true}, {"type": "any", "name": "x", "required": true}]'
              outputs: null
              params: null
            metadata: {owner: me}
            run_id: abc
            """
        let manifest = try ModelManifest(yaml: yaml)
        #expect(manifest.signature?.inputs?.pythonRepr
            == "['a': Array(double) (required), 'o': {b: long (required), z: string (optional)} (optional), 'm': Map(str -> DataType.string) (required), 'x': Any (required)]")
        #expect(manifest.metadata?["owner"] == .string("me"))
        #expect(manifest.runID == "abc")
    }

    @Test func malformedFilesFailClearly() {
        #expect(throws: ModelFileError.noFlavors) { try ModelManifest(yaml: "run_id: x\n") }
        #expect(throws: ModelFileError.invalidField("flavors", expected: "a mapping")) { try ModelManifest(yaml: "flavors: [1]\n") }
        #expect(throws: ModelFileError.invalidField("(top level)", expected: "a mapping")) { try ModelManifest(yaml: "- a\n") }
        #expect(throws: ModelFileError.self) { try ModelManifest(yaml: "flavors: {a: {}}\nsignature: {inputs: '[{\"type\": \"nope\"}]'}\n") }
        #expect(throws: ModelFileError.self) { try ModelManifest(yaml: "flavors: {a: {}\n") }
        #expect(throws: ModelFileError.self) { try ModelManifest.load(directory: "/nonexistent") }
    }
}
