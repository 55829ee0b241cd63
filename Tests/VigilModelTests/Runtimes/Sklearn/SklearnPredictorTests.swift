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

@Suite struct SklearnPredictorErrorTests {
    static func named(_ name: String) -> ModelFixture { ModelFixture(family: "sklearn", name: name) }

    @Test func columnsAreMatchedByName() throws {
        let fixture = Self.named("pipeline_mixed_forest")
        let predictor = try SklearnPredictorTests.predictor(fixture)
        let frame = try fixture.frame()
        let reversed = Frame(names: frame.names.reversed(), columns: frame.columns.reversed(), rowCount: frame.rowCount)
        #expect(try predictor.predict(reversed) == predictor.predict(frame))
        let renamed = Frame(names: frame.names.map { $0 + "_" }, columns: frame.columns, rowCount: frame.rowCount)
        let error = #expect(throws: ScoringError.self) { try predictor.predict(renamed) }
        #expect(error?.reason == .modelError)
    }

    @Test func linearModelsRefuseNaN() throws {
        let fixture = Self.named("logreg_binary")
        let predictor = try SklearnPredictorTests.predictor(fixture)
        var frame = try fixture.frame()
        frame.columns[0] = .double(Array(repeating: .nan, count: frame.rowCount))
        #expect(throws: ScoringError.self) { try predictor.predict(frame) }
    }

    @Test func stringsForNumbersAreParsedOrRefused() throws {
        let fixture = Self.named("random_forest_regressor")
        let predictor = try SklearnPredictorTests.predictor(fixture)
        let frame = try fixture.frame()
        guard case .double(let v) = frame.columns[0] else { return }
        var text = frame
        text.columns[0] = .string(v.map { $0.isNaN ? nil : "\($0)" })
        #expect(try predictor.predict(text) == predictor.predict(frame))
        text.columns[0] = .string(Array(repeating: "abc", count: frame.rowCount))
        #expect(throws: ScoringError.self) { try predictor.predict(text) }
    }

    @Test func unseenCategoriesFollowHandleUnknown() throws {
        // pipeline_mixed_logreg ignores unknown colours (one-hot); its first row holds "purple".
        let fixture = Self.named("pipeline_mixed_logreg")
        let predictor = try SklearnPredictorTests.predictor(fixture)
        var frame = try fixture.frame()
        guard let c = frame.index(of: "colour"), case .string(var colours) = frame.columns[c] else {
            Issue.record("no colour column")
            return
        }
        colours = colours.map { _ in "never-seen" }
        frame.columns[c] = .string(colours)
        #expect(try predictor.predict(frame).rowCount == frame.rowCount)
    }

    @Test func unsupportedPredictFunctionsAreRefused() throws {
        #expect(throws: ModelFileError.self) {
            try SklearnPredictor(modelFile: Self.named("ridge").modelFile, predictFunction: "predict_proba")
        }
        #expect(throws: ModelFileError.self) {
            try SklearnPredictor(modelFile: Self.named("sgd_classifier").modelFile, predictFunction: "predict_proba")
        }
        #expect(throws: ModelFileError.self) {
            try SklearnPredictor(modelFile: Self.named("ridge").modelFile, predictFunction: "transform")
        }
    }

    @Test func emptyFrameGivesEmptyPredictions() throws {
        let predictor = try SklearnPredictorTests.predictor(Self.named("random_forest_proba"))
        let names = try #require(predictor.featureNames)
        let empty = Frame(names: names, columns: names.map { _ in .double([]) }, rowCount: 0)
        #expect(try predictor.predict(empty) == .doubleMatrix(columns: 2, values: []))
    }
}

@Suite struct SklearnHostileTreeTests {
    /// A real forest with one tree's root child pointed outside the tree, or at the root itself.
    @Test(arguments: [Int64(9999), Int64(0), Int64(-7)])
    func corruptTreesAreRefused(_ child: Int64) throws {
        let fixture = ModelFixture(family: "sklearn", name: "decision_tree_regressor")
        let zip = try ZipArchive(bytes: [UInt8](try Data(contentsOf: fixture.modelFile)))
        var writer = ZipWriter()
        var corrupted = false
        for name in zip.entries.keys.sorted() {
            var data = Array(try zip.data(name))
            if !corrupted, String(decoding: data.prefix(200), as: UTF8.self).contains("left_child") {
                // Header length at bytes 8-9 (format 1.0); left_child is the first field of node 0.
                let start = 10 + Int(data[8]) + Int(data[9]) << 8
                withUnsafeBytes(of: child.littleEndian) { for (i, b) in $0.enumerated() { data[start + i] = b } }
                corrupted = true
            }
            writer.add(name, data)
        }
        #expect(corrupted)
        #expect(throws: ModelFileError.self) { try SklearnPredictor(archive: try SkopsArchive(bytes: writer.bytes())) }
    }
}
