/// Reads LightGBM's text model format (`Booster.save_model`, `model_to_string`; MLflow's
/// `model.lgb`, and the `_handle` string of an LGBM* estimator in a skops archive) into its
/// sections, without interpreting them.
///
/// ```
/// tree
/// version=v4
/// num_class=1
/// ...header key=value lines...
///
/// Tree=0
/// num_leaves=4
/// ...tree key=value lines...
///
/// end of trees
/// ...feature importances, parameters: [key: value] lines, end of parameters...
/// pandas_categorical:[["a", "b"]]
/// ```
///
/// Every line is bounds-checked; keys may repeat only where LightGBM itself would overwrite them.
package struct LightGBMText: Sendable {
    /// The `key=value` lines before the first tree (`average_output` has no value).
    package var header: [String: String] = [:]
    /// Each tree's `key=value` lines, in file order.
    package var trees: [[String: String]] = []
    /// The `[key: value]` lines between `parameters:` and `end of parameters`.
    package var parameters: [String: String] = [:]
    /// The JSON after `pandas_categorical:`, if the line is present.
    package var pandasCategorical: String?

    /// Largest model text accepted (1 GiB).
    package static let maxBytes = 1 << 30
    /// Most trees a file may hold.
    package static let maxTrees = 1 << 20

    package init(text: String) throws(ModelFileError) {
        guard text.utf8.count <= Self.maxBytes else {
            throw .limitExceeded("the LightGBM model text is larger than \(Self.maxBytes) bytes")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).makeIterator()
        var lineNumber = 0
        func next() -> Substring? {
            guard var line = lines.next() else { return nil }
            lineNumber += 1
            if line.last == "\r" { line = line.dropLast() }
            return line
        }

        guard let first = next(), first == "tree" else {
            throw .invalidValue(field: "line 1", reason: "a LightGBM text model starts with the line `tree`")
        }
        // Header: key=value lines up to the first `Tree=`.
        var pending: Substring?
        while let line = next() {
            if line.hasPrefix("Tree=") || line == "end of trees" {
                pending = line
                break
            }
            if line.isEmpty { continue }
            guard let eq = line.firstIndex(of: "=") else {
                header[String(line)] = ""
                continue
            }
            let key = String(line[..<eq])
            let value = line[line.index(after: eq)...]
            if value.contains("=") && key != "feature_names" && key != "monotone_constraints" {
                throw .invalidValue(field: "line \(lineNumber)", reason: "wrong line in the model header")
            }
            header[key] = String(value)
        }
        // Trees: `Tree=N` then key=value lines up to a blank line.
        while let line = pending, line.hasPrefix("Tree=") {
            pending = nil
            guard trees.count < Self.maxTrees else { throw .limitExceeded("more than \(Self.maxTrees) trees") }
            var tree: [String: String] = [:]
            while let field = next() {
                if field.isEmpty { break }
                guard let eq = field.firstIndex(of: "=") else {
                    throw .invalidValue(field: "line \(lineNumber)", reason: "a tree line must be key=value")
                }
                tree[String(field[..<eq])] = String(field[field.index(after: eq)...])
            }
            trees.append(tree)
            while let more = next() {
                if more.isEmpty { continue }
                pending = more
                break
            }
        }
        // The rest: parameters and pandas_categorical; anything else is informative only.
        var inParameters = false
        while let line = pending ?? next() {
            pending = nil
            if line == "parameters:" {
                inParameters = true
            } else if line == "end of parameters" {
                inParameters = false
            } else if inParameters {
                guard line.hasPrefix("["), line.hasSuffix("]"), let colon = line.firstIndex(of: ":") else { continue }
                let key = line[line.index(after: line.startIndex)..<colon]
                var value = line[line.index(after: colon)..<line.index(before: line.endIndex)]
                if value.first == " " { value = value.dropFirst() }
                parameters[String(key)] = String(value)
            } else if line.hasPrefix("pandas_categorical:") {
                pandasCategorical = String(line.dropFirst("pandas_categorical:".count))
            }
        }
    }
}

/// Typed access to `key=value` fields of one section, with LightGBM's error wording.
struct LightGBMFields {
    let fields: [String: String]
    /// Where the fields are, for messages (`header`, `tree 3`).
    let place: String

    func string(_ key: String) throws(ModelFileError) -> String {
        guard let value = fields[key] else { throw .missingField("\(place).\(key)") }
        return value
    }

    func int(_ key: String, in range: ClosedRange<Int> = Int(Int32.min)...Int(Int32.max)) throws(ModelFileError) -> Int {
        let text = try string(key)
        guard let value = Int(text.trimmingSpaces), range.contains(value) else {
            throw .invalidValue(field: "\(place).\(key)", reason: "\(text.prefix(40)) is not an integer in \(range)")
        }
        return value
    }

    /// Exactly `count` space-separated integers in `range`.
    func ints(_ key: String, count: Int, in range: ClosedRange<Int> = Int(Int32.min)...Int(Int32.max)) throws(ModelFileError) -> [Int] {
        let parts = try items(key, count: count)
        var out: [Int] = []
        out.reserveCapacity(count)
        for part in parts {
            guard let value = Int(part), range.contains(value) else {
                throw .invalidValue(field: "\(place).\(key)", reason: "\(part.prefix(40)) is not an integer in \(range)")
            }
            out.append(value)
        }
        return out
    }

    /// Exactly `count` space-separated doubles, parsed with correct rounding (LightGBM writes
    /// `%.17g`, so each round-trips to the double it wrote).
    func doubles(_ key: String, count: Int) throws(ModelFileError) -> [Double] {
        let parts = try items(key, count: count)
        var out: [Double] = []
        out.reserveCapacity(count)
        for part in parts {
            guard let value = Double(part) else {
                throw .invalidValue(field: "\(place).\(key)", reason: "\(part.prefix(40)) is not a number")
            }
            out.append(value)
        }
        return out
    }

    private func items(_ key: String, count: Int) throws(ModelFileError) -> [Substring] {
        let parts = try string(key).split(separator: " ")
        guard parts.count == count else {
            throw .invalidValue(field: "\(place).\(key)", reason: "\(parts.count) values where \(count) are expected")
        }
        return parts
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
