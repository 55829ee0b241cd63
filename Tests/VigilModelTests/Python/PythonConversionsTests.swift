import Testing

@testable import VigilModel

/// Python's `float()` / `int()` on strings, as numpy's casts apply them to request cells.
@Suite struct PythonConversionsTests {
    @Test(arguments: [
        ("2.5", 2.5), (" 2.5 ", 2.5), ("+1.5", 1.5), ("-1.5", -1.5), (".5", 0.5), ("5.", 5.0), ("1_000", 1000.0),
        ("1e3", 1000.0), ("1E-3", 0.001), ("-0", -0.0), ("0.30000000000000004", 0.30000000000000004),
    ])
    func floatOfString(_ text: String, _ expected: Double) throws {
        let v = try PythonConversions.float(text)
        #expect(v.bitPattern == expected.bitPattern)
    }

    @Test func floatSpecials() throws {
        #expect(try PythonConversions.float("nan").isNaN)
        #expect(try PythonConversions.float("-Infinity") == -.infinity)
        #expect(try PythonConversions.float("INF") == .infinity)
    }

    @Test(arguments: ["abc", "", "1__0", "_1", "1e", "0x10", "1.2.3", "++1"])
    func floatRefuses(_ text: String) {
        #expect(throws: PandasError("ValueError", "could not convert string to float: \(PythonRepr.string(text))")) {
            try PythonConversions.float(text)
        }
    }

    @Test func intOfValues() throws {
        #expect(try PythonConversions.int(.string(" 42 ")) == 42)
        #expect(try PythonConversions.int(.string("-9223372036854775808")) == Int64.min)
        #expect(try PythonConversions.int(.double(-2.9)) == -2)
        #expect(try PythonConversions.int(.bool(true)) == 1)
        #expect(throws: PandasError("ValueError", "invalid literal for int() with base 10: '4.5'")) {
            try PythonConversions.int(.string("4.5"))
        }
        #expect(throws: PandasError("OverflowError", "Python int too large to convert to C long")) {
            try PythonConversions.int(.string("9223372036854775808"))
        }
    }
}
