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
