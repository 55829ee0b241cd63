import Foundation
import Testing
import VigilModel

/// Prints prediction times; runs only with `VIGIL_BENCH=1` and means something only in release:
///
///     VIGIL_BENCH=1 swift test -c release --disable-xctest --filter XGBoostSpeedTests
///
/// Rows are `x[r][f] = 2 sin(0.37 r + 1.3 f)`, NaN where `(7r + f) % 10 == 0`; the same rows as
/// `python/fixtures/bench_xgboost.py` feeds xgboost. Speed is reported, never asserted.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["VIGIL_BENCH"] == "1"))
struct XGBoostSpeedTests {
    static func frame(names: [String], rows: Int) -> Frame {
        let columns: [Column] = names.indices.map { f in
            var values = [Double](repeating: .nan, count: rows)
            for r in 0..<rows where (7 * r + f) % 10 != 0 {
                let angle: Double = 0.37 * Double(r) + 1.3 * Double(f)
                values[r] = 2 * sin(angle)
            }
            return .double(values)
        }
        return Frame(names: names, columns: columns, rowCount: rows)
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    static func format(_ seconds: [Double], scale: Double, unit: String) -> String {
        let sorted = seconds.sorted()
        return String(format: "%.2f %@ (min %.2f)", sorted[sorted.count / 2] * scale, unit, sorted[0] * scale)
    }

    @Test(arguments: ["Fixtures/xgboost/classifier_100_trees", "../examples/demo"])
    func predictSpeed(_ path: String) throws {
        let tests = XGBoostFixture.root.deletingLastPathComponent().deletingLastPathComponent()
        let predictor = try XGBoostPredictor(
            modelFile: tests.appendingPathComponent(path).appendingPathComponent("model.ubj"),
            modelClass: "xgboost.sklearn.XGBClassifier")
        let names = try #require(predictor.featureNames)
        let many = Self.frame(names: names, rows: 10_000)
        // Single rows (and 100-row batches) all different: the same row again would let the
        // branch predictor learn its paths and flatter any walk.
        func slice(_ rows: Range<Int>) -> Frame {
            Frame(
                names: names,
                columns: many.columns.map { c in
                    guard case .double(let v) = c else { return c }
                    return .double(Array(v[rows]))
                }, rowCount: rows.count)
        }
        let ones = (0..<1000).map { slice($0..<$0 + 1) }
        let hundreds = (0..<100).map { slice($0 * 100..<$0 * 100 + 100) }
        var sink = 0
        for one in ones { sink &+= try predictor.predict(one).rowCount }
        var single: [Double] = []
        var hundred: [Double] = []
        var batch: [Double] = []
        for _ in 0..<15 {
            single.append(try Self.seconds { for one in ones { sink &+= try predictor.predict(one).rowCount } } / 1000)
            hundred.append(try Self.seconds { for h in hundreds { sink &+= try predictor.predict(h).rowCount } } / 100)
            batch.append(try Self.seconds { sink &+= try predictor.predict(many).rowCount })
        }
        print(
            "BENCH \(path): \(predictor.model.ensemble.treeCount) trees, depth \(predictor.model.ensemble.maxDepth): "
                + "1 row \(Self.format(single, scale: 1e6, unit: "µs")), "
                + "100 rows \(Self.format(hundred, scale: 1e6, unit: "µs")), "
                + "10k rows \(Self.format(batch, scale: 1e3, unit: "ms")) [\(sink)]"
        )
    }
}
