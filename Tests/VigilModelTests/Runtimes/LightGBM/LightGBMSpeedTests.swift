import Foundation
import Testing
import VigilModel

/// Prints prediction times; runs only with `VIGIL_BENCH=1` and means something only in release:
///
///     VIGIL_BENCH=1 swift test -c release --disable-xctest --filter "LightGBMSpeedTests|SklearnSpeedTests"
///
/// Rows as `XGBoostSpeedTests` makes them (`x[r][f] = 2 sin(0.37 r + 1.3 f)`, NaN where
/// `(7r + f) % 10 == 0`); `python/fixtures/bench_lightgbm.py` times the libraries on the same rows.
/// Speed is reported, never asserted.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["VIGIL_BENCH"] == "1"))
struct LightGBMSpeedTests {
    static func report(_ name: String, _ predict: (Frame) throws -> Predictions, names: [String], nan: Bool = true) throws {
        var many = XGBoostSpeedTests.frame(names: names, rows: 10_000)
        if !nan {  // linear models refuse NaN: zeros instead, as bench_lightgbm.py's fillna(0)
            many.columns = many.columns.map { c in
                guard case .double(let v) = c else { return c }
                return .double(v.map { $0.isNaN ? 0 : $0 })
            }
        }
        func slice(_ rows: Range<Int>) -> Frame {
            Frame(
                names: names,
                columns: many.columns.map { c in
                    guard case .double(let v) = c else { return c }
                    return .double(Array(v[rows]))
                }, rowCount: rows.count)
        }
        let ones = (0..<1000).map { slice($0..<$0 + 1) }
        let hundreds = (0..<100).map { slice($0 * 100..<$0 * 100 + 100) }
        var sink = 0
        for one in ones { sink &+= try predict(one).rowCount }
        var single: [Double] = []
        var hundred: [Double] = []
        var batch: [Double] = []
        for _ in 0..<15 {
            single.append(try XGBoostSpeedTests.seconds { for one in ones { sink &+= try predict(one).rowCount } } / 1000)
            hundred.append(try XGBoostSpeedTests.seconds { for h in hundreds { sink &+= try predict(h).rowCount } } / 100)
            batch.append(try XGBoostSpeedTests.seconds { sink &+= try predict(many).rowCount })
        }
        print(
            "BENCH \(name): 1 row \(XGBoostSpeedTests.format(single, scale: 1e6, unit: "µs")), "
                + "100 rows \(XGBoostSpeedTests.format(hundred, scale: 1e6, unit: "µs")), "
                + "10k rows \(XGBoostSpeedTests.format(batch, scale: 1e3, unit: "ms")) [\(sink)]"
        )
    }

    @Test(arguments: ["booster_100_trees"])
    func lightgbmSpeed(_ name: String) throws {
        let fixture = ModelFixture(family: "lightgbm", name: name)
        let predictor = try LightGBMPredictor(modelFile: fixture.modelFile, modelClass: try fixture.mlmodel("model_class"))
        try Self.report(
            "lightgbm/\(name) (\(predictor.model.ensemble.treeCount) trees, depth \(predictor.model.ensemble.maxDepth))",
            predictor.predict, names: predictor.featureNames)
    }

    @Test(arguments: ["random_forest_proba", "logreg_binary", "pipeline_standard_logreg"])
    func sklearnSpeed(_ name: String) throws {
        let fixture = ModelFixture(family: "sklearn", name: name)
        let predictor = try SklearnPredictor(modelFile: fixture.modelFile, predictFunction: try fixture.mlmodel("predict_fn"))
        try Self.report("sklearn/\(name)", predictor.predict, names: try #require(predictor.featureNames), nan: false)
    }
}
