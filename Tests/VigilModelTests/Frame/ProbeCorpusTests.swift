import Foundation
import Testing

@testable import VigilModel

/// Replays `Tests/Fixtures/protocol/probe_cases.json`: requests to MLflow "probe" models (every
/// column type, optional columns, JSON-shaped types, tensors) whose `predict` answered with a
/// description of the input MLflow handed it. Vigil's decode must hand over the same input, or
/// fail with the same answer.
@Suite struct ProbeCorpusTests {
    typealias Case = ProtocolCorpusTests.Case

    static let cases: [Case] = (try? Fixtures.decode(ProtocolCorpusTests.Corpus.self, from: "probe_cases.json"))?.cases ?? []

    static let knownDifferences: [String: String] = [
        "types_records_two_rows": "pandas 3 infers one datetime format from the first value and rejects the others; Vigil parses each ISO value",
        "types_csv": "same message, but Vigil's stack_trace is not Python's (compared exactly here)",
        "optional_only_required": "datetime params: MLflow hands the model datetime.date objects, Vigil keeps the ISO text",
        "optional_all_columns": "datetime params: MLflow hands the model datetime.date objects, Vigil keeps the ISO text",
        "optional_params": "datetime params: MLflow hands the model datetime.date objects, Vigil keeps the ISO text",
        "optional_params_default": "datetime params: MLflow hands the model datetime.date objects, Vigil keeps the ISO text",
        "optional_csv_only_required": "datetime params: MLflow hands the model datetime.date objects, Vigil keeps the ISO text",
        "json_types_records": "object properties: MLflow stores numpy scalars (np.int64(1)), Vigil plain values",
        "json_types_inputs": "MLflow's np.array over a list of dicts fails ('Invalid object type at position 0'); not reproduced",
    ]

    static func signature(_ model: String) -> ModelSignature? {
        let path = Fixtures.protocolDirectory.appendingPathComponent("probes").appendingPathComponent(model).path
        return (try? ModelManifest.load(directory: path))?.signature
    }

    /// The probe's answer for what Vigil would hand the model.
    static func describe(_ model: ScoringPipeline.ModelInput) -> String {
        var out: [JSONValue] = []
        func strings(_ values: PyArray, ndarray: Bool) -> JSONValue {
            .array((0..<values.count).map { i in
                switch values {
                case .float64(let v): .string(PythonRepr.float(v[i]))
                case .float32(let v): .string(ndarray ? PythonRepr.float32(v[i]) : PythonRepr.float(Double(v[i])))
                case .str(let v): .string(v[i] ?? "nan")
                case .bytes(let v): .string(PythonRepr.bytes(v[i]))
                case .datetime(let v):
                    .string(v[i] == PyArray.notATime ? "NaT" : ISODateTime.format(v[i], dateOnly: false, fractionDigits: v[i] % 1_000_000_000 == 0 ? 0 : 6))
                default: .string(PythonRepr.str(values.element(i)))
                }
            })
        }
        func array(_ name: String, _ a: NDArray) {
            let dtype = a.values.dtypeName == "str" ? a.dtypeName : a.values.dtypeName
            out.append(.array([.string(name), .string(dtype), .string(PythonRepr.tuple(a.shape)), strings(a.values, ndarray: true)]))
        }
        if let frame = model.direct {
            for (name, column) in zip(frame.names, frame.columns) {
                switch column {
                case .double(let v): out.append(.array([.string(name), .string("float64"), strings(.float64(v), ndarray: false)]))
                case .int64(let v): out.append(.array([.string(name), .string("int64"), strings(.int64(v), ndarray: false)]))
                default: out.append(.string("unexpected direct column"))
                }
            }
        } else {
            switch model.input {
            case .frame(let f):
                for (label, column) in zip(f.labels, f.columns) {
                    out.append(.array([.string(Frame.name(label)), .string(column.dtypeName), strings(column, ndarray: false)]))
                }
            case .ndarray(let a): array("<ndarray>", a)
            case .dict(let pairs):
                for (k, v) in pairs { if case .ndarray(let a) = v { array(k, a) } }
            default:
                out.append(.array([.string("<\(model.input.pythonTypeName)>"), .string(model.input.pythonStr)]))
            }
        }
        let paramsText = model.params.isEmpty && !model.hasParamsSchema ? "None" : PythonRepr.repr(.object(model.params))
        out.append(.array([.string("<params>"), .string(paramsText)]))
        var w = JSONWriter()
        w.raw("{\"predictions\": ")
        w.value(.array(out))
        w.raw("}")
        return String(decoding: w.bytes, as: UTF8.self)
    }

    @Test func corpusLoaded() {
        #expect(Self.cases.count >= 40)
    }

    @Test(arguments: cases)
    func handsTheModelWhatMLflowHands(_ c: Case) {
        let signature = Self.signature(c.model)
        let result = c.bytes.withUnsafeBytes { body in
            Result { () throws(ScoringError) in
                var input = try ScoringPipeline.modelInput(body: body, contentType: c.content_type, signature: signature, signatureFromTypeHint: false)
                input.hasParamsSchema = signature?.params != nil
                return input
            }
        }
        let status: Int
        let got: String
        switch result {
        case .success(let input):
            status = 200
            got = Self.describe(input)
        case .failure(let error):
            status = error.status
            got = String(decoding: error.response.body, as: UTF8.self)
        }
        let matches = status == c.expected.status && got == c.expected.body
        if let reason = Self.knownDifferences[c.name] {
            withKnownIssue(Comment(rawValue: reason)) {
                if !matches { Issue.record(Comment(rawValue: got)) }
            }
        } else if !matches {
            Issue.record("\(c.name): got \(status) \(got)\nexpected \(c.expected.status) \(c.expected.body)")
        }
    }
}
