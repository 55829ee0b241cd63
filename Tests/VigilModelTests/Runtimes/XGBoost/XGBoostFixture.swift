import Foundation
import Testing
import VigilModel

/// One case of `Tests/Fixtures/xgboost/` (written by `python/fixtures/make_xgboost.py`).
struct XGBoostFixture: CustomTestStringConvertible, Sendable {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // XGBoost
        .deletingLastPathComponent()  // Runtimes
        .deletingLastPathComponent()  // VigilModelTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/xgboost")

    static let all: [XGBoostFixture] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.sorted().map { XGBoostFixture(name: $0) }
    }()

    static func named(_ name: String) -> XGBoostFixture { XGBoostFixture(name: name) }

    let name: String
    var testDescription: String { name }
    var directory: URL { Self.root.appendingPathComponent(name) }

    var modelFile: URL {
        let ubj = directory.appendingPathComponent("model.ubj")
        return FileManager.default.fileExists(atPath: ubj.path) ? ubj : directory.appendingPathComponent("model.json")
    }

    /// `flavors.xgboost.model_class` from MLmodel.
    var modelClass: String {
        get throws {
            let text = try String(contentsOf: directory.appendingPathComponent("MLmodel"), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("model_class: ") { return String(trimmed.dropFirst("model_class: ".count)) }
            }
            throw FixtureError("no model_class in \(name)/MLmodel")
        }
    }

    func json(_ file: String) throws -> JSONField {
        let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(file)))
        return JSONField(try JSONModelReader().parse(bytes), path: file)
    }

    var hasCodes: Bool { FileManager.default.fileExists(atPath: directory.appendingPathComponent("input_codes.json").path) }

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
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension JSONField {
    /// The exact double of a JSON number (fixture floats are written with Python's repr).
    func double() throws -> Double {
        switch value {
        case .int(let i): return Double(i)
        case .number(let d, _): return d
        default: throw FixtureError("\(path) is not a number")
        }
    }
}
