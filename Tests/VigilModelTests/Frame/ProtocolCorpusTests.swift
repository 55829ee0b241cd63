import Foundation
import Testing

@testable import VigilModel

/// Replays `Tests/Fixtures/protocol/cases.json` (MLflow's own answers, recorded by
/// `python/fixtures/make_protocol_cases.py`) through Vigil's decode and encode stages.
///
/// Cases that fail before the model are compared byte for byte (status, content type, body).
/// Cases MLflow answered with predictions must decode to as many rows as MLflow predicted, and
/// the predictions MLflow printed must re-encode to the same bytes. Cases where the model itself
/// raised can only be checked for reaching the model until a native runtime is wired in here.
@Suite struct ProtocolCorpusTests {
    struct Expected: Decodable {
        var status: Int
        var content_type: String
        var body: String
    }

    struct Case: Decodable, CustomTestStringConvertible {
        var name: String
        var model: String
        var content_type: String?
        var body: String?
        var body_base64: String?
        var expected: Expected

        var bytes: [UInt8] {
            if let b = body_base64 { return Array(Data(base64Encoded: b)!) }
            return Array(body!.utf8)
        }

        var testDescription: String { name }
    }

    struct Corpus: Decodable {
        var mlflow_version: String
        var cases: [Case]
    }

    static let corpus = try? Fixtures.decode(Corpus.self, from: "cases.json")
    static let cases = corpus?.cases ?? []

    static let signatures: [String: ModelSignature?] = {
        var out: [String: ModelSignature?] = [:]
        for name in ["model", "model_nosig"] {
            let m = try? ModelManifest.load(directory: Fixtures.protocolDirectory.appendingPathComponent(name).path)
            out[name] = m?.signature
        }
        return out
    }()

    /// Where Vigil knowingly answers differently from MLflow, and why.
    static let knownDifferences: [String: String] = [
        "ct_parquet": "Vigil does not read Parquet bodies yet: 415 instead of predictions",
        "ct_parquet_garbage": "Vigil does not read Parquet bodies yet: 415 instead of pyarrow's parse error",
    ]

    enum Outcome: Equatable {
        case exact
        /// Same status, content type and body except `stack_trace` (a Python traceback).
        case exactButStackTrace
        /// Same except the order of a list MLflow prints from a Python set of strings, which
        /// follows string hashing (random per server process unless PYTHONHASHSEED is fixed).
        case exactButSetOrder
        /// Decoding succeeded where MLflow's model raised: the runtime decides.
        case reachesModel
        case mismatch(String)
    }

    static func run(_ c: Case) -> Outcome {
        let signature = signatures[c.model] ?? nil
        let bytes = c.bytes
        let result = bytes.withUnsafeBytes { body in
            Result { () throws(ScoringError) in
                try ScoringPipeline.decode(body: body, contentType: c.content_type, signature: signature)
            }
        }
        switch result {
        case .failure(let error):
            let r = error.response
            let got = String(decoding: r.body, as: UTF8.self)
            if r.status == c.expected.status && r.contentType == c.expected.content_type && got == c.expected.body {
                return .exact
            }
            if r.status == c.expected.status && r.contentType == c.expected.content_type,
                withoutStackTrace(got) != nil, withoutStackTrace(got) == withoutStackTrace(c.expected.body)
            {
                return .exactButStackTrace
            }
            if r.status == c.expected.status && r.contentType == c.expected.content_type,
                sortingSetLiterals(got) == sortingSetLiterals(c.expected.body)
            {
                return .exactButSetOrder
            }
            return .mismatch("got \(r.status) \(r.contentType) \(got)")
        case .success(let request):
            if c.expected.status == 200 {
                guard let predictions = predictionsList(c.expected.body, wrapped: request.wrapsPredictions) else {
                    return .mismatch("unexpected 200 body shape (wrapped: \(request.wrapsPredictions))")
                }
                guard predictions.count == request.frame.rowCount else {
                    return .mismatch("decoded \(request.frame.rowCount) rows, MLflow predicted \(predictions.count)")
                }
                // xgboost predicts float32; MLflow widens them to doubles and prints their repr.
                let floats = predictions.map { Float($0) }
                let encoded = PredictionsEncoder.encode(.floats(floats), wrapped: request.wrapsPredictions)
                guard String(decoding: encoded, as: UTF8.self) == c.expected.body else {
                    return .mismatch("re-encoded predictions differ: \(String(decoding: encoded, as: UTF8.self))")
                }
                return .exact
            }
            if c.expected.status == 400, c.expected.body.contains("Encountered an unexpected error while evaluating the model") {
                return .reachesModel
            }
            return .mismatch("decoded \(request.frame.rowCount) rows where MLflow answered \(c.expected.status) \(c.expected.body.prefix(300))")
        }
    }

    /// The body as a dictionary without `stack_trace` (nil if it has none).
    static func withoutStackTrace(_ body: String) -> NSDictionary? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            object["stack_trace"] != nil
        else { return nil }
        var copy = object
        copy.removeValue(forKey: "stack_trace")
        return copy as NSDictionary
    }

    /// The body with the items of MLflow's set-ordered lists sorted: the extra inputs of a
    /// missing-column error, and the keys of a malformed `dataframe_split`.
    static func sortingSetLiterals(_ body: String) -> String {
        var out = body
        for (open, close, marker) in [("[", "]", "extra inputs: "), ("{", "}", "fields. Got ")] {
            guard let start = out.range(of: marker + open), let end = out.range(of: close, range: start.upperBound..<out.endIndex)
            else { continue }
            let items = out[start.upperBound..<end.lowerBound].components(separatedBy: ", ").sorted()
            out.replaceSubrange(start.upperBound..<end.lowerBound, with: items.joined(separator: ", "))
        }
        return out
    }

    static func predictionsList(_ body: String, wrapped: Bool) -> [Double]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) else { return nil }
        let list = wrapped ? (object as? [String: Any])?["predictions"] : object
        return (list as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue }
    }

    @Test func corpusLoaded() {
        #expect(Self.cases.count >= 80)
    }

    @Test(arguments: cases)
    func answersLikeMLflow(_ c: Case) {
        let outcome = Self.run(c)
        if let reason = Self.knownDifferences[c.name] {
            withKnownIssue(Comment(rawValue: reason)) {
                if case .mismatch(let detail) = outcome { Issue.record(Comment(rawValue: detail)) }
            }
            return
        }
        if case .mismatch(let detail) = outcome {
            Issue.record("\(c.name): \(detail)\nexpected \(c.expected.status) \(c.expected.content_type) \(c.expected.body)")
        }
    }

    /// A summary line per outcome, printed so the numbers can be quoted (`swift test --filter corpusSummary`).
    @Test func corpusSummary() {
        var counts: [String: Int] = [:]
        var reachesModel: [String] = []
        var stackTrace: [String] = []
        var setOrder: [String] = []
        var differs: [String] = []
        for c in Self.cases {
            switch Self.run(c) {
            case .exact: counts["exact", default: 0] += 1
            case .exactButStackTrace:
                counts["exact except stack_trace", default: 0] += 1
                stackTrace.append(c.name)
            case .exactButSetOrder:
                counts["exact except Python set order", default: 0] += 1
                setOrder.append(c.name)
            case .reachesModel:
                counts["reaches the model (model error expected)", default: 0] += 1
                reachesModel.append(c.name)
            case .mismatch:
                counts["differs", default: 0] += 1
                differs.append(c.name)
            }
        }
        print("protocol corpus (\(Self.corpus?.mlflow_version ?? "?")): \(Self.cases.count) cases, \(counts.sorted { $0.key < $1.key })")
        print("  exact except stack_trace: \(stackTrace)")
        print("  exact except set order: \(setOrder)")
        print("  differs: \(differs)")
        print("  reaches the model: \(reachesModel)")
    }
}
