import Foundation
import Testing
import VigilModel

@Suite struct XGBoostPredictorTests {
    /// Every fixture answers exactly what MLflow's pyfunc answered (or, where MLflow cannot
    /// serve the model, what the library's own predict answered): floats compared by bit pattern.
    @Test(arguments: XGBoostFixture.all)
    func matchesMLflow(_ fixture: XGBoostFixture) throws {
        let predictor = try XGBoostPredictor(modelFile: fixture.modelFile, modelClass: try fixture.modelClass)
        let expected = try fixture.json("expected.json")("predictions")
        try expectSame(try predictor.predict(try fixture.frame()), expected, fixture.name)
    }

    /// The raw margins equal `booster.predict(DMatrix(df), output_margin=True)`.
    @Test(arguments: XGBoostFixture.all)
    func marginsMatchBooster(_ fixture: XGBoostFixture) throws {
        let predictor = try XGBoostPredictor(modelFile: fixture.modelFile, modelClass: "xgboost.core.Booster")
        let expected = try fixture.json("expected.json")("margin").array().map { try $0.double() }
        let margins = try predictor.margins(try fixture.frame())
        #expect(margins.count == expected.count)
        for (i, (got, want)) in zip(margins, expected).enumerated() {
            #expect(Double(got).bitPattern == want.bitPattern, "\(fixture.name) margin[\(i)]: \(got) vs \(want)")
        }
    }

    /// Categorical features answer the same whether a request sends category strings or codes.
    @Test(arguments: XGBoostFixture.all.filter(\.hasCodes))
    func categoryCodesAnswerLikeStrings(_ fixture: XGBoostFixture) throws {
        let predictor = try XGBoostPredictor(modelFile: fixture.modelFile, modelClass: try fixture.modelClass)
        let expected = try fixture.json("expected.json")("predictions")
        try expectSame(try predictor.predict(try fixture.frame("input_codes.json")), expected, fixture.name)
    }

    @Test func jsonAndUBJSONGiveTheSameModel() throws {
        let ubj = try XGBoostModel(contentsOf: XGBoostFixture.named("booster_binary_logistic").modelFile)
        let json = try XGBoostModel(contentsOf: XGBoostFixture.named("booster_binary_logistic_json").modelFile)
        #expect(ubj.ensemble.treeCount == 6)
        #expect(ubj.ensemble.firstChild == json.ensemble.firstChild)
        #expect(ubj.ensemble.feature == json.ensemble.feature)
        #expect(ubj.ensemble.flags == json.ensemble.flags)
        #expect(ubj.ensemble.value.map(\.bitPattern) == json.ensemble.value.map(\.bitPattern))
        #expect(ubj.baseMargin.map(\.bitPattern) == json.baseMargin.map(\.bitPattern))
        #expect(ubj.featureNames == json.featureNames)
        let frame = try XGBoostFixture.named("booster_binary_logistic").frame()
        let a = try XGBoostPredictor(model: ubj, modelClass: "xgboost.core.Booster").predict(frame)
        let b = try XGBoostPredictor(model: json, modelClass: "xgboost.core.Booster").predict(frame)
        #expect(a == b)
    }

    @Test func columnsAreMatchedByName() throws {
        let fixture = XGBoostFixture.named("classifier_binary")
        let predictor = try XGBoostPredictor(modelFile: fixture.modelFile, modelClass: try fixture.modelClass)
        let frame = try fixture.frame()
        let reversed = Frame(names: frame.names.reversed(), columns: frame.columns.reversed(), rowCount: frame.rowCount)
        let extra = Frame(
            names: frame.names + ["unused"], columns: frame.columns + [.string(Array(repeating: "x", count: frame.rowCount))],
            rowCount: frame.rowCount)
        let want = try predictor.predict(frame)
        #expect(try predictor.predict(reversed) == want)
        #expect(try predictor.predict(reversed) == want)  // cached mapping
        #expect(try predictor.predict(extra) == want)
    }

    @Test func missingFeatureIsAModelError() throws {
        let fixture = XGBoostFixture.named("booster_binary_logistic")
        let predictor = try XGBoostPredictor(modelFile: fixture.modelFile, modelClass: try fixture.modelClass)
        let frame = try fixture.frame()
        let renamed = Frame(names: ["f0", "f1", "f2", "g3", "f4", "f5"], columns: frame.columns, rowCount: frame.rowCount)
        let error = #expect(throws: ScoringError.self) { try predictor.predict(renamed) }
        #expect(error?.status == 400)
        #expect(error?.reason == .modelError)
        guard case .mlflow(let code, let message, let sqlstate, let errorClass, let trace)? = error?.body else {
            Issue.record("not an MLflow error body")
            return
        }
        #expect(code == .badRequest)
        #expect(
            message
                == "Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is compatible with the model for inference."
        )
        #expect(sqlstate == "KAM00")
        #expect(errorClass == "INVALID_PARAMETER_VALUE")
        #expect(
            trace?.hasPrefix("ValueError: feature_names mismatch: ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'] ['f0', 'f1', 'f2', 'g3', 'f4', 'f5']") == true)
        #expect(trace?.hasSuffix("expected f3 in input data") == true)
    }

    @Test func badValuesAreModelErrors() throws {
        let fixture = XGBoostFixture.named("booster_categorical")
        let predictor = try XGBoostPredictor(modelFile: fixture.modelFile, modelClass: try fixture.modelClass)
        let frame = try fixture.frame()
        var infinite = frame
        infinite.columns[0] = .double(Array(repeating: .infinity, count: frame.rowCount))
        var text = frame
        text.columns[0] = .string(Array(repeating: "1.5", count: frame.rowCount))
        var unknown = frame
        unknown.columns[4] = .string(Array(repeating: "no-such-category", count: frame.rowCount))
        for bad in [infinite, text, unknown] {
            let error = #expect(throws: ScoringError.self) { try predictor.predict(bad) }
            #expect(error?.reason == .modelError)
            #expect(error?.status == 400)
        }
    }

    @Test func modelWithoutNamesReadsColumnsByPosition() throws {
        let fixture = XGBoostFixture.named("booster_no_feature_names")
        let predictor = try XGBoostPredictor(modelFile: fixture.modelFile, modelClass: try fixture.modelClass)
        #expect(predictor.featureNames == nil)
        let frame = try fixture.frame()
        let renamed = Frame(names: frame.names.map { "x" + $0 }, columns: frame.columns, rowCount: frame.rowCount)
        #expect(try predictor.predict(renamed) == predictor.predict(frame))
        let tooWide = Frame(names: frame.names + ["f6"], columns: frame.columns + [frame.columns[0]], rowCount: frame.rowCount)
        #expect(throws: ScoringError.self) { try predictor.predict(tooWide) }
    }

    @Test func emptyFrameGivesEmptyPredictions() throws {
        let fixture = XGBoostFixture.named("booster_softprob")
        let predictor = try XGBoostPredictor(modelFile: fixture.modelFile, modelClass: try fixture.modelClass)
        let names = try fixture.frame().names
        let empty = Frame(names: names, columns: names.map { _ in .double([]) }, rowCount: 0)
        #expect(try predictor.predict(empty) == .floatMatrix(columns: 3, values: []))
    }

    @Test func unknownModelClassIsRefused() throws {
        let fixture = XGBoostFixture.named("booster_binary_logistic")
        #expect(throws: ModelFileError.self) {
            try XGBoostPredictor(modelFile: fixture.modelFile, modelClass: "xgboost.sklearn.XGBRanker")
        }
    }

    private func expectSame(_ got: Predictions, _ expected: JSONField, _ name: String) throws {
        let rows = try expected.array()
        switch got {
        case .floats(let values):
            #expect(values.count == rows.count, "\(name): row count")
            for (i, (v, e)) in zip(values, rows).enumerated() {
                let want = try e.double()
                #expect(Double(v).bitPattern == want.bitPattern, "\(name) row \(i): \(v) vs \(want)")
            }
        case .floatMatrix(let columns, let values):
            #expect(values.count == rows.count * columns, "\(name): shape")
            for (r, row) in rows.enumerated() {
                let want = try row.array().map { try $0.double() }
                #expect(want.count == columns, "\(name) row \(r): width")
                for (k, w) in want.enumerated() where r * columns + k < values.count {
                    let v = values[r * columns + k]
                    #expect(Double(v).bitPattern == w.bitPattern, "\(name) row \(r) class \(k): \(v) vs \(w)")
                }
            }
        case .int64s(let labels):
            let want = try rows.map { Int64(try $0.int()) }
            #expect(labels == want, "\(name): labels")
        default:
            Issue.record("\(name): unexpected prediction kind \(got)")
        }
    }
}
