import Testing
import VigilModel

@Suite struct JSONModelReaderTests {
    private func parse(_ text: String) throws(ModelFileError) -> JSONField {
        JSONField(try JSONModelReader().parse(Array(text.utf8)))
    }

    @Test func parsesFloat32StraightFromTheDecimal() throws {
        // Just above the midpoint between 1 and the next float: through double it lands on the
        // midpoint and rounds to even (1.0); straight to float32 it rounds up.
        let text = "1.0000000596046448"
        let direct = try parse(text).float()
        #expect(direct.bitPattern == 0x3F80_0001)
        #expect(Float(Double(text)!).bitPattern == 0x3F80_0000)
        #expect(try parse("-1.2077045E-1").float() == Float(-0.12077045))
        #expect(try parse("1E-45").float() == Float.leastNonzeroMagnitude)
        #expect(try parse("\"[4.9875E-1]\"").string() == "[4.9875E-1]")
    }

    @Test func parsesDocuments() throws {
        let doc = try parse(#" { "a": [1, -2, 3.5e0, true, null], "b": {"c": "\u00e9\n\ud83d\ude00"}, "n": NaN, "i": -Infinity } "#)
        #expect(try doc("a").array().count == 5)
        #expect(try doc("a").array()[1].int() == -2)
        #expect(try doc("a").array()[2].float() == 3.5)
        #expect(try doc("b")("c").string() == "é\n😀")
        #expect(try doc("n").float().isNaN)
        #expect(try doc("i").float() == -.infinity)
        #expect(try parse("9223372036854775807").int() == Int.max)
        #expect(try parse("\u{FEFF}[]").array().isEmpty)
    }

    @Test func refusesMalformedText() {
        let bad = [
            "", "{", "[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "{1:2}", "\"abc", "\"\\x\"", "\"\\u12\"",
            "\"\\ud800\"", "tru", "-", "1.", "1e", ".5", "[1] 2", "{\"a\":1,\"a\":2}", "\"a\u{01}\"", "nul",
        ]
        for text in bad {
            #expect(throws: ModelFileError.self, "\(text)") { try parse(text) }
        }
    }

    @Test func limitsNesting() {
        #expect(throws: ModelFileError.self) { try parse(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)) }
        #expect(throws: Never.self) { try parse(String(repeating: "[", count: 60) + String(repeating: "]", count: 60)) }
    }

    @Test func fieldErrorsNameThePath() throws {
        let doc = try parse(#"{"learner": {"objective": {"name": 3}}}"#)
        #expect(throws: ModelFileError.wrongType(field: "learner.objective.name", expected: "a string")) {
            try doc("learner")("objective")("name").string()
        }
        #expect(throws: ModelFileError.missingField("learner.gradient_booster")) { try doc("learner")("gradient_booster") }
    }
}
