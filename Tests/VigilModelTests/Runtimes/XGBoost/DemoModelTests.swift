import Foundation
import Testing
import VigilModel

/// `examples/demo`, the model `vigil serve` serves by default, loads and predicts natively.
@Suite struct DemoModelTests {
    static let demo = XGBoostFixture.root
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/demo")

    @Test func servesItsInputExample() throws {
        let predictor = try XGBoostPredictor(
            modelFile: Self.demo.appendingPathComponent("model.ubj"), modelClass: "xgboost.sklearn.XGBClassifier")
        #expect(predictor.model.ensemble.treeCount == 100)
        #expect(predictor.featureNames?.count == 8)
        let bytes = try [UInt8](Data(contentsOf: Self.demo.appendingPathComponent("serving_input_example.json")))
        let split = try JSONField(try JSONModelReader().parse(bytes))("dataframe_split")
        let names = try split("columns").array().map { try $0.string() }
        let rows = try split("data").array().map { try $0.array().map { try $0.double() } }
        let frame = Frame(
            names: names, columns: names.indices.map { c in .double(rows.map { $0[c] }) }, rowCount: rows.count)
        guard case .int64s(let labels) = try predictor.predict(frame) else {
            Issue.record("a classifier answers labels")
            return
        }
        // What MLflow's pyfunc answers for serving_input_example.json (P(default) 0.26, 0.27, 0.083, 0.72, 0.15).
        #expect(labels == [0, 0, 0, 1, 0])
    }
}
