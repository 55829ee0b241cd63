import Foundation
import Testing

@testable import VigilModel

/// Request bodies are untrusted: odd shapes must come back as MLflow-style errors, never traps.
@Suite struct AdversarialInputTests {
    static let signature = try! ModelManifest.load(directory: Fixtures.protocolDirectory.appendingPathComponent("model").path).signature

    static let bodies: [String] = [
        #"{"dataframe_split": {"columns": ["a"], "index": [1, 2, 3], "data": {"a": [1]}}}"#,
        #"{"dataframe_split": {"index": [1], "data": {}}}"#,
        #"{"dataframe_split": {"columns": [], "data": [[]]}}"#,
        #"{"dataframe_split": {"columns": ["f0"], "index": [], "data": []}}"#,
        #"{"dataframe_split": {"columns": [null, 1.5, [1], {"a": 1}], "data": [[1, 2, 3, 4]]}}"#,
        #"{"dataframe_records": [{}, {}, {}]}"#,
        #"{"dataframe_records": [[], [1], [1, [2, [3]]]]}"#,
        #"{"inputs": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]}"#,
        #"{"inputs": [[1, 2], [3]]}"#,
        #"{"inputs": {"f0": [[1, 2]], "count": [[3, 4]], "f2": 1, "f3": "x"}}"#,
        #"{"inputs": {"f0": 1, "count": [1, 2], "f2": [1], "f3": []}}"#,
        #"{"inputs": []}"#,
        #"{"instances": []}"#,
        #"{"instances": [{"f0": [1, [2]]}]}"#,
        #"{"inputs": {"f0": {"a": {"b": [null]}}}}"#,
        #"{"dataframe_split": {"columns": ["f0", "count", "f2", "f3"], "data": [[1e308, 1e-320, -0.0, 5e-324]]}, "params": {"weights": [[1, [2]]]}}"#,
        #"{"messages": null, "params": 1}"#,
        #"{"dataframe_split": {"columns": ["f0", "count", "f2", "f3"], "data": [[1, 2, 3, 4]]}, "params": {"top_k": 1e400}}"#,
        "[" + String(repeating: "{\"a\":[", count: 400) + String(repeating: "]}", count: 400) + "]",
        #"{"dataframe_split": {"columns": ["f0", "count", "f2", "f3"], "data": [[1, 2, 3, 4]]}}"# + String(repeating: " ", count: 10),
    ]

    @Test(arguments: bodies)
    func decodesOrFailsCleanly(_ body: String) {
        let bytes = Array(body.utf8)
        for signature in [Self.signature, nil] {
            let result = bytes.withUnsafeBytes { b in
                Result { () throws(ScoringError) in try ScoringPipeline.decode(body: b, contentType: "application/json", signature: signature) }
            }
            switch result {
            case .success(let request):
                for column in request.frame.columns { #expect(column.count == request.frame.rowCount || request.frame.layout != .dataframe) }
            case .failure(let error):
                #expect(error.status >= 400)
                _ = error.response
            }
        }
    }

    @Test func csvOddities() {
        for body in ["\"", "a,b\n\"x", ",,,\n,,,\n", "a\n" + String(repeating: "1\n", count: 70), "\u{FEFF}", "a,a,a\n1,2,3\n"] {
            let bytes = Array(body.utf8)
            let result = bytes.withUnsafeBytes { b in
                Result { () throws(ScoringError) in try ScoringPipeline.decode(body: b, contentType: "text/csv", signature: Self.signature) }
            }
            if case .failure(let error) = result { #expect(error.status >= 400) }
        }
    }
}
