import Foundation
import Testing
import VigilModel

@Suite struct SklearnPredictorTests {
    static let fixtures = ModelFixture.all("sklearn").filter { !$0.name.hasPrefix("unsupported_") }

    static func predictor(_ fixture: ModelFixture) throws -> SklearnPredictor {
        try SklearnPredictor(modelFile: fixture.modelFile, predictFunction: try fixture.mlmodel("predict_fn"))
    }

    /// Tree models answer bit for bit; linear models within 1e-12 relative (OpenBLAS's sum order
    /// is CPU- and layout-specific), with labels exact.
    @Test(arguments: fixtures)
    func matchesMLflow(_ fixture: ModelFixture) throws {
        let predictor = try Self.predictor(fixture)
        try fixture.expectPredictions(try predictor.predict(try fixture.frame()), tolerance: predictor.isBitExact ? 0 : 1e-12)
    }

    @Test(arguments: ModelFixture.all("sklearn").filter { $0.name.hasPrefix("unsupported_") })
    func unknownEstimatorsAreNamed(_ fixture: ModelFixture) throws {
        let error = #expect(throws: ModelFileError.self) { try Self.predictor(fixture) }
        guard case .unsupported(let what)? = error else {
            Issue.record("expected .unsupported, got \(String(describing: error))")
            return
        }
        #expect(what.contains("GradientBoosting"))
    }
}
