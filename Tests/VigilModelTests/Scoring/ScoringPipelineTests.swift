import Foundation
import Testing

@testable import VigilModel

/// The wiring of the three stages, with a stand-in predictor (prediction values come from the
/// runtimes; these tests only check what the pipeline does around them).
@Suite struct ScoringPipelineTests {
    struct StandIn: Predictor {
        var flavor: String { "test" }
        var runtime: String { "native" }
        var result: Result<Predictions, ScoringError>
        func predict(_ frame: Frame) throws(ScoringError) -> Predictions { try result.get() }
    }

    static let manifest = try! ModelManifest.load(directory: Fixtures.protocolDirectory.appendingPathComponent("model").path)

    func pipeline(_ result: Result<Predictions, ScoringError>) -> ScoringPipeline {
        ScoringPipeline(manifest: Self.manifest, predictor: StandIn(result: result))
    }

    func decode(_ p: ScoringPipeline, _ body: String, _ contentType: String? = "application/json") throws(ScoringError) -> ScoringRequest {
        let bytes = Array(body.utf8)
        let r = bytes.withUnsafeBytes { b in Result { () throws(ScoringError) in try p.decode(body: b, contentType: contentType) } }
        return try r.get()
    }

    @Test func decodePredictEncode() throws {
        let p = pipeline(.success(.floats([0.5, 0.25])))
        let request = try decode(p, #"{"dataframe_split": {"columns": ["f3", "f2", "count", "f0"], "data": [[1, 2, 3, 4], [5, 6, 7, 8]]}}"#)
        #expect(request.frame.names == ["f0", "count", "f2", "f3"])
        #expect(request.frame.columns[0] == .double([4, 8]))
        #expect(request.frame.columns[1] == .int64([3, 7]))
        #expect(request.frame.layout == .dataframe)
        #expect(request.params["top_k"] == .int(3))
        let predictions = try p.predict(request)
        #expect(String(decoding: p.encode(predictions), as: UTF8.self) == #"{"predictions": [0.5, 0.25]}"#)
    }

    @Test func aTypeErrorNamesItsColumnBesideMLflowsBody() {
        let p = pipeline(.success(.floats([0.5])))
        do {
            _ = try decode(p, #"{"dataframe_split": {"columns": ["f0", "count", "f2", "f3"], "data": [[1, "many", 2, 3]]}}"#)
            Issue.record("expected a type error")
        } catch {
            #expect(error.column == "count")
            #expect(error.message.contains("Failed to convert column count"))
        }
        do {
            _ = try decode(p, #"{"dataframe_split": {"columns": ["f0"], "data": [[1]]}}"#)  // missing columns
            Issue.record("expected a schema error")
        } catch {
            #expect(error.column == nil)
        }
    }

    @Test func respondRunsAllStages() throws {
        let p = pipeline(.success(.floats([0.75, 0.5])))
        let example = try #require(Self.manifest.servingInputExample)
        let ok = example.withUnsafeBytes { p.respond(body: $0, contentType: "application/json") }
        #expect(ok == EncodedResponse(status: 200, contentType: "application/json", body: Array(#"{"predictions": [0.75, 0.5]}"#.utf8)))
        let bad = Array("{".utf8).withUnsafeBytes { p.respond(body: $0, contentType: "application/json") }
        #expect(bad.status == 400)
        let missing = Array("{}".utf8).withUnsafeBytes { p.respond(body: $0, contentType: nil) }
        #expect(missing == ScoringError.internalServerError.response)
    }

    @Test func unifiedLLMAnswersAreNotWrapped() throws {
        let p = pipeline(.success(.floats([0.5])))
        let request = try decode(p, #"{"input": 1, "f0": 0.5, "count": 2, "f2": 1.5, "f3": 0.25}"#)
        #expect(!request.wrapsPredictions)
        #expect(String(decoding: p.encode(try p.predict(request), wrapped: request.wrapsPredictions), as: UTF8.self) == "[0.5]")
    }

    @Test func anythingThePredictorThrowsIsAModelError() throws {
        let request = try decode(pipeline(.success(.doubles([]))), #"{"dataframe_records": [{"f0": 1, "count": 2, "f2": 3, "f3": 4}]}"#)
        let p = pipeline(.failure(.invalidInput("feature_names mismatch")))
        #expect(throws: ScoringError.modelError("Invalid input. feature_names mismatch")) { try p.predict(request) }
        let own = ScoringError.modelError("XGBoostError: inf in input")
        #expect(throws: own) { try pipeline(.failure(own)).predict(request) }
        let body = String(decoding: own.response.body, as: UTF8.self)
        #expect(own.status == 400)
        #expect(body.hasPrefix(#"{"error_code": "BAD_REQUEST", "message": "Encountered an unexpected error while evaluating the model."#))
        #expect(body.hasSuffix(#""sqlstate": "KAM00", "error_class": "INVALID_PARAMETER_VALUE", "stack_trace": "XGBoostError: inf in input"}"#))
    }

    @Test func layoutWithoutSignature() throws {
        let nosig = try ModelManifest.load(directory: Fixtures.protocolDirectory.appendingPathComponent("model_nosig").path)
        let p = ScoringPipeline(manifest: nosig, predictor: StandIn(result: .success(.doubles([]))))
        let nested = try decode(p, #"{"inputs": [[1, 2.5], [3, 4]]}"#)
        #expect(nested.frame.layout == .tensor)
        #expect(nested.frame.names == ["0", "1"])
        #expect(nested.frame.columns == [.double([1, 3]), .double([2.5, 4])])
        let dict = try decode(p, #"{"inputs": {"a": [1, 2], "b": [0.5, 1.5]}}"#)
        #expect(dict.frame.layout == .other("dict"))
        #expect(dict.frame.names == ["a", "b"])
        let split = try decode(p, #"{"dataframe_split": {"data": [[1, "x"]]}}"#)
        #expect(split.frame.layout == .dataframe)
        #expect(split.frame.names == ["0", "1"])
        #expect(split.frame.columns == [.int64([1]), .string(["x"])])
        let csv = try decode(p, "a,b\n1,x\n2.5,\n", "text/csv")
        #expect(csv.frame.columns == [.double([1, 2.5]), .string(["x", nil])])
    }

    @Test func predictionsEncodeLikeJSONDumps() {
        func text(_ p: Predictions) -> String { String(decoding: PredictionsEncoder.encode(p), as: UTF8.self) }
        #expect(text(.doubles([.nan, .infinity, -.infinity, -0.0, 1e-05, 1e16, 123.0])) == #"{"predictions": [NaN, Infinity, -Infinity, -0.0, 1e-05, 1e+16, 123.0]}"#)
        #expect(text(.floats([0.1])) == #"{"predictions": [0.10000000149011612]}"#)
        #expect(text(.int64s([0, -1, 9_223_372_036_854_775_807])) == #"{"predictions": [0, -1, 9223372036854775807]}"#)
        #expect(text(.strings(["a\"b", "caf\u{e9}", "\u{1F600}"])) == #"{"predictions": ["a\"b", "caf\u00e9", "\ud83d\ude00"]}"#)
        #expect(text(.floatMatrix(columns: 2, values: [0.5, 0.25, 1, 0])) == #"{"predictions": [[0.5, 0.25], [1.0, 0.0]]}"#)
        #expect(text(.doubleMatrix(columns: 3, values: [])) == #"{"predictions": []}"#)
        #expect(text(.doubles([])) == #"{"predictions": []}"#)
    }

    @Test func errorResponses() {
        let unsupported = ScoringError.text(415, "The scoring server only supports UTF-8").response
        #expect(unsupported == EncodedResponse(status: 415, contentType: "text/plain; charset=utf-8", body: Array("The scoring server only supports UTF-8".utf8)))
        #expect(ScoringError.internalServerError.response.status == 500)
        #expect(ScoringError.timeout.response == EncodedResponse(status: 504, contentType: "application/json", body: Array("Request processing time exceeded limit".utf8)))
        let schema = ScoringError.mlflow(.invalidParameterValue, "x \u{e9}", errorClass: "SCHEMA_ENFORCEMENT_FAILED").response
        #expect(String(decoding: schema.body, as: UTF8.self)
            == #"{"error_code": "INVALID_PARAMETER_VALUE", "message": "x \u00e9", "sqlstate": "KAM01", "error_class": "SCHEMA_ENFORCEMENT_FAILED"}"#)
        let internalError = ScoringError.mlflow(.internalError, "boom").response
        #expect(internalError.status == 500)
        #expect(String(decoding: internalError.body, as: UTF8.self)
            == #"{"error_code": "INTERNAL_ERROR", "message": "boom", "sqlstate": "XXM00", "error_class": "CLIENT_INTERNAL_ERROR"}"#)
    }

    @Test func contentTypes() throws {
        #expect(try RequestFormat(contentType: "application/json") == .json)
        #expect(try RequestFormat(contentType: " text/csv ; charset=UTF-8") == .csv)
        // Parameter names are compared as sent: MLflow does not know `CHARSET`.
        #expect(throws: ScoringError.self) { try RequestFormat(contentType: "text/csv; CHARSET=utf-8") }
        #expect(try RequestFormat(contentType: "application/vnd.apache.parquet") == .parquet)
        #expect(throws: ScoringError.internalServerError) { try RequestFormat(contentType: nil) }
        #expect(throws: ScoringError.text(415, "The scoring server only supports UTF-8")) {
            try RequestFormat(contentType: "text/plain; charset=ascii")
        }
        #expect(throws: ScoringError.self) { try RequestFormat(contentType: "application/JSON") }
    }

    @Test func parquetIsNotReadYet() {
        let p = pipeline(.success(.doubles([])))
        #expect {
            try decode(p, "PAR1", "application/vnd.apache.parquet")
        } throws: { error in
            guard let e = error as? ScoringError, e.status == 415, case .text(let text, _) = e.body else { return false }
            return text.contains("does not read application/vnd.apache.parquet")
        }
    }
}
