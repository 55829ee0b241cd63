import Foundation
import Testing
import VigilModel

@Suite struct LightGBMPredictorTests {
    static let fixtures = ModelFixture.all("lightgbm").filter { $0.name != "booster_linear_tree" }

    static func predictor(_ fixture: ModelFixture) throws -> LightGBMPredictor {
        try LightGBMPredictor(modelFile: fixture.modelFile, modelClass: try fixture.mlmodel("model_class"))
    }

    static func named(_ name: String) -> ModelFixture { ModelFixture(family: "lightgbm", name: name) }

    /// Every fixture answers exactly what MLflow's pyfunc answered (or, where MLflow cannot serve
    /// the model, what the library's own predict answered), floats compared by bit pattern.
    @Test(arguments: fixtures)
    func matchesMLflow(_ fixture: ModelFixture) throws {
        try fixture.expectPredictions(try Self.predictor(fixture).predict(try fixture.frame()))
    }

    /// The raw scores equal `predict(raw_score=True)` with the iterations predict uses.
    @Test(arguments: fixtures)
    func rawScoresMatchLightGBM(_ fixture: ModelFixture) throws {
        try fixture.expectPredictions(.doubles(try Self.predictor(fixture).rawScores(try fixture.frame())), key: "raw")
    }

    /// Categorical features answer the same whether a request sends category strings or codes.
    @Test(arguments: fixtures.filter { $0.has("input_codes.json") })
    func categoryCodesAnswerLikeStrings(_ fixture: ModelFixture) throws {
        try fixture.expectPredictions(try Self.predictor(fixture).predict(try fixture.frame("input_codes.json")))
    }

    /// `lgb.train` cuts an early-stopped booster at its best iteration before the estimator keeps
    /// it, so the fixture holds only those trees; a larger state is still honoured.
    @Test func bestIterationLimitsTheTrees() throws {
        let model = try Self.predictor(Self.named("booster_multiclass")).model
        let cut = try LightGBMPredictor(model: model, modelClass: .regressor, bestIteration: 2, labels: nil)
        #expect(cut.trees == 0..<6)
        let all = try LightGBMPredictor(model: model, modelClass: .regressor, bestIteration: 0, labels: nil)
        #expect(all.trees == 0..<model.ensemble.treeCount)
    }

    @Test func columnsAreMatchedByNameThenByPosition() throws {
        let fixture = Self.named("booster_binary")
        let predictor = try Self.predictor(fixture)
        let frame = try fixture.frame()
        let want = try predictor.predict(frame)
        let reversed = Frame(names: frame.names.reversed(), columns: frame.columns.reversed(), rowCount: frame.rowCount)
        #expect(try predictor.predict(reversed) == want)
        let renamed = Frame(names: frame.names.map { "x" + $0 }, columns: frame.columns, rowCount: frame.rowCount)
        #expect(try predictor.predict(renamed) == want)
        let narrow = Frame(names: Array(renamed.names.dropLast()), columns: Array(frame.columns.dropLast()), rowCount: frame.rowCount)
        let error = #expect(throws: ScoringError.self) { try predictor.predict(narrow) }
        #expect(error?.reason == .modelError)
        guard case .mlflow(_, _, _, _, let trace)? = error?.body else { return }
        #expect(trace?.contains("The number of features in data (5) is not the same as it was in training data (6)") == true)
    }

    @Test func stringsForANumericFeatureAreAModelError() throws {
        let fixture = Self.named("booster_binary")
        let predictor = try Self.predictor(fixture)
        var frame = try fixture.frame()
        frame.columns[0] = .string(Array(repeating: "1.5", count: frame.rowCount))
        let error = #expect(throws: ScoringError.self) { try predictor.predict(frame) }
        #expect(error?.status == 400)
    }

    @Test func integerAndBooleanColumnsReadAsDoubles() throws {
        let fixture = Self.named("booster_regression")
        let predictor = try Self.predictor(fixture)
        let frame = try fixture.frame()
        var ints = frame
        ints.columns[0] = .int64(Array(repeating: 2, count: frame.rowCount))
        var doubles = frame
        doubles.columns[0] = .double(Array(repeating: 2, count: frame.rowCount))
        #expect(try predictor.predict(ints) == predictor.predict(doubles))
    }

    @Test func emptyFrameGivesEmptyPredictions() throws {
        let predictor = try Self.predictor(Self.named("booster_multiclass"))
        let names = predictor.featureNames
        let empty = Frame(names: names, columns: names.map { _ in .double([]) }, rowCount: 0)
        #expect(try predictor.predict(empty) == .doubleMatrix(columns: 3, values: []))
    }

    @Test func linearTreesAreUnsupported() throws {
        let fixture = Self.named("booster_linear_tree")
        let error = #expect(throws: ModelFileError.self) {
            try LightGBMPredictor(modelFile: fixture.modelFile, modelClass: "lightgbm.basic.Booster")
        }
        guard case .unsupported? = error else {
            Issue.record("expected .unsupported, got \(String(describing: error))")
            return
        }
    }

    @Test func pickledEstimatorsAreUnsupported() throws {
        let error = #expect(throws: ModelFileError.self) {
            try LightGBMPredictor(modelFile: URL(fileURLWithPath: "/nonexistent/model.pkl"), modelClass: "lightgbm.sklearn.LGBMClassifier")
        }
        guard case .unsupported? = error else {
            Issue.record("expected .unsupported, got \(String(describing: error))")
            return
        }
    }

    @Test func unknownModelClassIsRefused() throws {
        let fixture = Self.named("booster_binary")
        #expect(throws: ModelFileError.self) {
            try LightGBMPredictor(modelFile: fixture.modelFile, modelClass: "lightgbm.sklearn.LGBMModel")
        }
        // A skops archive of one class loaded as another.
        #expect(throws: ModelFileError.self) {
            try LightGBMPredictor(modelFile: Self.named("regressor_l2").modelFile, modelClass: "lightgbm.sklearn.LGBMClassifier")
        }
    }
}
