import Foundation
import Testing

@testable import VigilModel

/// Float formatting against Python's `repr` (as `json.dumps` writes it) on seeded doubles and float32s.
@Suite struct PythonReprTests {
    struct Entry: Decodable {
        var bits: String
        var repr: String
    }

    struct Table: Decodable {
        var doubles: [Entry]
        var floats: [Entry]
    }

    static let table = try? Fixtures.decode(Table.self, from: "reprs.json")

    private func dumps(_ x: Double) -> String {
        var w = JSONWriter()
        w.double(x)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    @Test func doublesMatchPython() throws {
        let table = try #require(Self.table)
        #expect(table.doubles.count > 3000)
        var mismatches: [String] = []
        for e in table.doubles {
            let got = dumps(Fixtures.double(bits: e.bits))
            if got != e.repr { mismatches.append("\(e.bits): \(got) != \(e.repr)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
    }

    @Test func widenedFloat32sMatchPython() throws {
        let table = try #require(Self.table)
        #expect(table.floats.count > 3000)
        var mismatches: [String] = []
        for e in table.floats {
            let got = dumps(Double(Fixtures.float(bits: e.bits)))
            if got != e.repr { mismatches.append("\(e.bits): \(got) != \(e.repr)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
    }

    @Test func edgeFormats() {
        #expect(PythonRepr.float(1e-05) == "1e-05")
        #expect(PythonRepr.float(1e16) == "1e+16")
        #expect(PythonRepr.float(1234567890123456.0) == "1234567890123456.0")
        #expect(PythonRepr.float(-0.0) == "-0.0")
        #expect(PythonRepr.float(0.0001) == "0.0001")
        #expect(PythonRepr.float(5e-324) == "5e-324")
        #expect(PythonRepr.float(1.7976931348623157e308) == "1.7976931348623157e+308")
        #expect(dumps(.nan) == "NaN")
        #expect(dumps(-.infinity) == "-Infinity")
    }

    @Test func stringsAndBytes() {
        #expect(PythonRepr.string("abc") == "'abc'")
        #expect(PythonRepr.string("it's") == "\"it's\"")
        #expect(PythonRepr.string("a'b\"c") == "'a\\'b\"c'")
        #expect(PythonRepr.string("caf\u{e9}\t\u{2615}\u{200b}") == "'caf\u{e9}\\t\u{2615}\\u200b'")
        #expect(PythonRepr.bytes(Array("{'a': \"\u{e9}\"}\n".utf8)) == "b'{\\'a\\': \"\\xc3\\xa9\"}\\n'")
        #expect(PythonRepr.bytes(Array("{'a'}".utf8)) == "b\"{'a'}\"")
    }
}
