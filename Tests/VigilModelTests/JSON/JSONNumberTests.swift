import Foundation
import Testing

@testable import VigilModel

/// Number literals against Python's `json.loads` (`python/fixtures/make_protocol_cases.py`).
@Suite struct JSONNumberTests {
    struct Case: Decodable, CustomTestStringConvertible {
        var literal: String
        var bits: String?
        var int: String?
        var testDescription: String { literal }
    }

    static let cases: [Case] = (try? Fixtures.decode([Case].self, from: "numbers.json")) ?? []

    @Test func fixtureLoaded() {
        #expect(Self.cases.count > 1000)
    }

    @Test(arguments: cases)
    func matchesPython(_ c: Case) throws {
        let value = try Array(c.literal.utf8).withRawBuffer { try JSONReader.parseDocument($0) }
        if let bits = c.bits {
            guard case .double(let d) = value else {
                Issue.record("expected a float, got \(value)")
                return
            }
            #expect(d.bitPattern == Fixtures.double(bits: bits).bitPattern, "\(c.literal) → \(d)")
        } else if let digits = c.int {
            switch value {
            case .int(let i): #expect(String(i) == digits)
            case .bigInt(let s): #expect(s == digits)
            default: Issue.record("expected an int, got \(value)")
            }
        }
    }
}

/// The fused scanner against glibc's correctly rounded `strtod` on random literals of every
/// length and exponent the fast paths cover (and some they do not).
@Suite struct JSONNumberRandomTests {
    @Test func agreesWithStrtod() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        var mismatches: [String] = []
        for _ in 0..<200_000 {
            let digits = Int(next() % 21) + 1
            var text = next() % 2 == 0 ? "-" : ""
            var mantissa = String(Int(next() % 9) + 1)
            for _ in 1..<digits { mantissa += String(next() % 10) }
            let point = Int(next() % UInt64(digits + 1))
            if point == 0 {
                text += "0." + String(repeating: "0", count: Int(next() % 4)) + mantissa
            } else if point == digits {
                text += mantissa + ".0"
            } else {
                let cut = mantissa.index(mantissa.startIndex, offsetBy: point)
                text += mantissa[..<cut] + "." + mantissa[cut...]
            }
            if next() % 3 == 0 { text += "e" + String(Int(next() % 80) - 40) }
            let got: Double? = Array(text.utf8).withUnsafeBytes { b in
                guard let s = JSONNumber.scan(b, 0), s.end == b.count, s.isFloat else { return nil }
                return s.double
            }
            let want = strtod(text, nil)
            if got?.bitPattern != want.bitPattern { mismatches.append("\(text): \(String(describing: got)) != \(want)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }
}
