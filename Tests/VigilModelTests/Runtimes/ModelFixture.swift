import Foundation
import Testing
import VigilModel

/// One case of `Tests/Fixtures/<family>/` (`lightgbm`, `sklearn`): an MLflow model directory
/// with `input.json` and `expected.json`, written by `python/fixtures/make_<family>.py`.
struct ModelFixture: CustomTestStringConvertible, Sendable {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Runtimes
        .deletingLastPathComponent()  // VigilModelTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures")

    static func all(_ family: String) -> [ModelFixture] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent(family).path)) ?? []
        return names.sorted().map { ModelFixture(family: family, name: $0) }
    }

    let family: String
    let name: String
    var testDescription: String { name }
    var directory: URL { Self.fixtures.appendingPathComponent(family).appendingPathComponent(name) }

    /// The flavor's data file (`model.lgb`, `model.skops`).
    var modelFile: URL {
        for file in ["model.lgb", "model.skops"] {
            let url = directory.appendingPathComponent(file)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return directory.appendingPathComponent("model.skops")
    }

    /// The first `key: value` line of MLmodel with this key.
    func mlmodel(_ key: String) throws -> String {
        let text = try String(contentsOf: directory.appendingPathComponent("MLmodel"), encoding: .utf8)
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(key + ": ") { return String(trimmed.dropFirst(key.count + 2)) }
        }
        throw FixtureError("no \(key) in \(name)/MLmodel")
    }

    func json(_ file: String) throws -> JSONField {
        let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(file)))
        return JSONField(try JSONModelReader().parse(bytes), path: file)
    }

    func has(_ file: String) -> Bool { FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path) }

    /// A split-orient input file as a `Frame`: string columns stay strings, the rest are doubles.
    func frame(_ file: String = "input.json") throws -> Frame {
        let input = try json(file)
        let names = try input("columns").array().map { try $0.string() }
        let rows = try input("data").array().map { try $0.array() }
        var columns: [Column] = []
        for c in names.indices {
            let cells = rows.map { $0[c].value }
            if cells.contains(where: { if case .string = $0 { true } else { false } }) {
                columns.append(.string(cells.map { if case .string(let s) = $0 { s } else { nil } }))
            } else {
                columns.append(
                    .double(
                        cells.map {
                            switch $0 {
                            case .int(let i): Double(i)
                            case .number(let d, _): d
                            default: .nan
                            }
                        }))
            }
        }
        return Frame(names: names, columns: columns, rowCount: rows.count)
    }

    /// Checks `got` against `expected.json`'s `predictions`: floats by bit pattern.
    /// With `tolerance`, floats may differ by `tolerance × max(|expected|, 1e-3)`.
    func expectPredictions(_ got: Predictions, key: String = "predictions", tolerance: Double = 0) throws {
        let rows = try json("expected.json")(key).array()
        func same(_ v: Double, _ want: Double) -> Bool {
            if v.bitPattern == want.bitPattern { return true }
            guard tolerance > 0, v.isFinite, want.isFinite else { return false }
            return abs(v - want) <= tolerance * max(abs(want), 1e-3)
        }
        switch got {
        case .doubles(let values):
            #expect(values.count == rows.count, "\(name): row count")
            for (i, (v, e)) in zip(values, rows).enumerated() {
                let want = try e.double()
                #expect(same(v, want), "\(name) row \(i): \(v) vs \(want)")
            }
        case .doubleMatrix(let columns, let values):
            #expect(values.count == rows.count * columns, "\(name): shape")
            for (r, row) in rows.enumerated() {
                let want = try row.array().map { try $0.double() }
                #expect(want.count == columns, "\(name) row \(r): width")
                for (k, w) in want.enumerated() where r * columns + k < values.count {
                    let v = values[r * columns + k]
                    #expect(same(v, w), "\(name) row \(r) column \(k): \(v) vs \(w)")
                }
            }
        case .int64s(let labels):
            let want = try rows.map { Int64(try $0.int()) }
            #expect(labels == want, "\(name): labels")
        case .strings(let labels):
            let want = try rows.map { try $0.string() }
            #expect(labels == want, "\(name): labels")
        default:
            Issue.record("\(name): unexpected prediction kind \(got)")
        }
    }
}
