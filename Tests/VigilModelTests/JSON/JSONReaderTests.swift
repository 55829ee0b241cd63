import Foundation
import Testing

@testable import VigilModel

/// Malformed documents against the exception `json.loads` raises for them.
@Suite struct JSONReaderTests {
    struct Case: Decodable, CustomTestStringConvertible {
        var input: String?
        var input_base64: String?
        var error: String?
        var bytes: [UInt8] {
            if let b = input_base64 { return Array(Data(base64Encoded: b)!) }
            return Array(input!.utf8)
        }
        var testDescription: String { input.map { PythonRepr.string($0) } ?? "b64:" + input_base64! }
    }

    static let cases: [Case] = (try? Fixtures.decode([Case].self, from: "json_errors.json")) ?? []

    @Test func fixtureLoaded() {
        #expect(Self.cases.count > 50)
    }

    @Test(arguments: cases)
    func sameErrorAsPython(_ c: Case) {
        let got = c.bytes.withRawBuffer { JSONDocument.decodeError(of: $0) }
        #expect(got == c.error)
    }

    @Test func keepsDictSemantics() throws {
        let v = try Array(#"{"a": 1, "b": 2, "a": 3}"#.utf8).withRawBuffer { try JSONReader.parseDocument($0) }
        #expect(PythonRepr.repr(v) == "{'a': 3, 'b': 2}")
    }
}
