import Foundation
import Testing

@testable import VigilMonitoring

/// Every score against numpy/scipy (`python/fixtures/make_drift.py` → `Tests/Fixtures/drift/scores.json`).
@Suite struct DriftStatisticsTests {
    struct Expected: Decodable {
        var psi: Double
        var jensen_shannon: Double
        var chi2: Double
        var chi2_critical: Double
        var wasserstein: Double?
    }

    struct Case: Decodable {
        var name: String
        var kind: String
        var reference_values: [Double]?
        var window_values: [Double]?
        var edges: [Double]?
        var centres: [Double]?
        var min: Double?
        var max: Double?
        var mean: Double?
        var std: Double?
        var reference_shares: [Double]
        var window_counts: [Int]
        var expected: Expected
    }

    struct File: Decodable {
        var floor: Double
        var cases: [Case]
    }

    static let file: File = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/drift/scores.json")
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    }()

    static func close(_ a: Double, _ b: Double, _ relative: Double = 1e-9) -> Bool {
        abs(a - b) <= relative * max(abs(a), abs(b), 1e-12)
    }

    @Test func floorMatchesTheFixtures() {
        #expect(Self.file.floor == DriftStatistics.shareFloor)
        #expect(Self.file.cases.count >= 9)
    }

    @Test(arguments: file.cases.map(\.name))
    func scoresMatchScipy(_ name: String) {
        let c = Self.file.cases.first { $0.name == name }!
        let r = c.reference_shares
        let counts = c.window_counts.map(Double.init)
        let n = counts.reduce(0, +)
        let current = counts.map { $0 / n }
        let psi = DriftStatistics.psi(reference: r, current: current)
        #expect(Self.close(psi, c.expected.psi), "psi \(psi) vs \(c.expected.psi)")
        let js = DriftStatistics.jensenShannon(reference: r, current: current)
        #expect(Self.close(js, c.expected.jensen_shannon), "js \(js) vs \(c.expected.jensen_shannon)")
        let chi2 = DriftStatistics.chiSquare(reference: r, counts: counts)
        #expect(Self.close(chi2, c.expected.chi2), "chi2 \(chi2) vs \(c.expected.chi2)")
        let critical = DriftStatistics.chiSquareCritical(bins: r.count)
        #expect(Self.close(critical, c.expected.chi2_critical, 0.025), "chi2 critical \(critical) vs \(c.expected.chi2_critical)")
        if let expected = c.expected.wasserstein, let centres = c.centres, let std = c.std {
            let w = DriftStatistics.wasserstein(centres: centres, reference: r, current: current, scale: std)
            #expect(Self.close(w, expected), "wasserstein \(w) vs \(expected)")
        }
    }

    /// The builder's edges, shares, centres and moments equal numpy's for the same reference, and
    /// binning the window reproduces numpy's counts.
    @Test(arguments: file.cases.filter { $0.kind == "numeric" }.map(\.name))
    func numericProfileMatchesNumpy(_ name: String) throws {
        let c = Self.file.cases.first { $0.name == name }!
        let profile = DriftProfileBuilder.feature(name: name, values: .numeric(c.reference_values!))
        let edges = try #require(profile.edges)
        #expect(edges.count == c.edges!.count)
        for (a, b) in zip(edges, c.edges!) { #expect(Self.close(a, b, 1e-13), "edge \(a) vs \(b)") }
        for (a, b) in zip(profile.centres!, c.centres!) { #expect(Self.close(a, b, 1e-13)) }
        #expect(profile.shares == c.reference_shares)
        #expect(profile.min == c.min && profile.max == c.max)
        #expect(Self.close(profile.mean!, c.mean!) && Self.close(profile.std!, c.std!))
        #expect(profile.kind == .numeric && profile.missingShare == 0)
        #expect(try profile.validate() == ())
        var counts = [Int](repeating: 0, count: edges.count + 1)
        for x in c.window_values! { counts[Int(NumericBins.bin(x, edges: edges))] += 1 }
        #expect(counts == c.window_counts)
    }

    @Test func quantileIsNumpysLinearMethod() {
        let x: [Double] = [1, 2, 3, 4]
        #expect(DriftProfileBuilder.quantile(sortedValues: x, 0.5) == 2.5)
        #expect(DriftProfileBuilder.quantile(sortedValues: x, 0.1) == 1.3)
        #expect(DriftProfileBuilder.quantile(sortedValues: [7], 0.9) == 7)
        // numpy's linear method puts q at (n - 1)·q; n·q + (1 − q) − 1 is the same number in exact
        // arithmetic but rounds differently. Values from numpy 2.4 (`np.quantile(y, q)`).
        let y: [Double] = [-95.9, -75.7, -27.9, 0.0, 14.1, 41.2, 65.7, 84.1, 90.9, 98.9]
        #expect(DriftProfileBuilder.quantile(sortedValues: y, 0.2) == -37.459999999999994)
        #expect(DriftProfileBuilder.quantile(sortedValues: y, 0.3) == -8.370000000000006)
        #expect(DriftProfileBuilder.quantile(sortedValues: y, 0.4) == 8.46)
        #expect(DriftProfileBuilder.quantile(sortedValues: y, 0.6) == 50.999999999999986)
    }
}
