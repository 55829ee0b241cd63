/// A pandas `DataFrame` as MLflow builds it from a request: labelled columns of typed values and an
/// index, in request order.
package struct PandasFrame: Sendable, Equatable {
    /// Column labels (strings, or integers when the request gave none).
    package var labels: [JSONValue]
    package var columns: [PyArray]
    package var index: PandasIndex

    package var rowCount: Int { index.count }

    package init(labels: [JSONValue], columns: [PyArray], index: PandasIndex) {
        self.labels = labels
        self.columns = columns
        self.index = index
    }

    /// Positions of the columns labelled `name` (pandas allows duplicates).
    package func positions(of name: String) -> [Int] {
        labels.indices.filter { labels[$0] == .string(name) }
    }

    package func contains(_ name: String) -> Bool {
        labels.contains(.string(name))
    }

    /// For each name, the position of the first column labelled so (-1 when absent), and whether
    /// any label repeats. The request usually sends the signature's columns in signature order,
    /// which is checked first without hashing.
    package func firstPositions(of names: [String]) -> (positions: [Int], duplicates: Bool) {
        if labels.count == names.count {
            var aligned = true
            for i in names.indices {
                guard case .string(let s) = labels[i], s == names[i] else {
                    aligned = false
                    break
                }
            }
            if aligned { return (Array(names.indices), false) }
        }
        var map: [String: Int] = [:]
        var duplicates = false
        for (i, l) in labels.enumerated() {
            guard case .string(let s) = l else { continue }
            if map[s] == nil { map[s] = i } else { duplicates = true }
        }
        return (names.map { map[$0] ?? -1 }, duplicates)
    }

    /// `frame.empty`: no rows or no columns.
    package var isEmpty: Bool { rowCount == 0 || columns.isEmpty }
}

/// A pandas row index: the default `RangeIndex`, or the labels a request sent.
package enum PandasIndex: Sendable, Equatable {
    case range(Int)
    case labels([JSONValue])

    package var count: Int {
        switch self {
        case .range(let n): n
        case .labels(let l): l.count
        }
    }

    package func label(_ i: Int) -> JSONValue {
        switch self {
        case .range: .int(Int64(i))
        case .labels(let l): l[i]
        }
    }

    package func take(_ rows: [Int]) -> PandasIndex {
        switch self {
        case .range: .labels(rows.map { .int(Int64($0)) })
        case .labels(let l): .labels(rows.map { l[$0] })
        }
    }
}

/// A pandas or numpy failure, carrying `str(exception)` and `repr(exception)`.
package struct PandasError: Error, Sendable, Equatable {
    /// `str(exception)`.
    package var message: String
    /// The exception class, e.g. `ValueError`.
    package var type: String

    package init(_ type: String, _ message: String) {
        self.type = type
        self.message = message
    }

    /// `repr(exception)`: `ValueError('…')`.
    package var pythonRepr: String { "\(type)(\(PythonRepr.string(message)))" }
}

extension PandasFrame {
    /// `pd.DataFrame(data=data, columns=columns, index=index)` for JSON-parsed arguments.
    package static func make(data: JSONValue, columns: JSONValue?, index: JSONValue?) throws(PandasError) -> PandasFrame {
        let columnLabels = try labelList(columns)
        let indexLabels = try labelList(index)
        guard case .array(let rows) = data else {
            if case .object(let dict) = data {
                return try fromDictOfLists(dict, columns: columnLabels, index: indexLabels)
            }
            throw PandasError("ValueError", "DataFrame constructor not properly called!")
        }
        if rows.isEmpty {
            let labels = columnLabels ?? []
            let n = indexLabels?.count ?? 0
            return PandasFrame(
                labels: labels,
                columns: labels.map { _ in .object(Array(repeating: .double(.nan), count: n)) },
                index: indexLabels.map { .labels($0) } ?? .range(0))
        }
        if rows.allSatisfy({ $0.objectValue != nil }) {
            var frame = try records(rows.map { $0.objectValue! }, columns: columnLabels)
            if let indexLabels {
                guard indexLabels.count == frame.rowCount else {
                    throw PandasError("ValueError", "Length of values (\(frame.rowCount)) does not match length of index (\(indexLabels.count))")
                }
                frame.index = .labels(indexLabels)
            }
            return frame
        }
        let isTable = rows.contains { $0.arrayValue != nil }
        if isTable {
            var table: [[JSONValue]] = []
            table.reserveCapacity(rows.count)
            for row in rows {
                guard case .array(let cells) = row else {
                    throw PandasError("TypeError", "object of type '\(row.pythonTypeName)' has no len()")
                }
                table.append(cells)
            }
            return try fromRows(table, columns: columnLabels, index: indexLabels)
        }
        // A flat list: one column.
        if let indexLabels, indexLabels.count != rows.count {
            throw PandasError("ValueError", "Shape of passed values is (\(rows.count), 1), indices imply (\(indexLabels.count), \(columnLabels?.count ?? 1))")
        }
        let labels = columnLabels ?? [.int(0)]
        guard labels.count == 1 else {
            throw PandasError("ValueError", "Shape of passed values is (\(rows.count), 1), indices imply (\(rows.count), \(labels.count))")
        }
        return PandasFrame(labels: labels, columns: [PyArray.infer(rows)], index: indexLabels.map { .labels($0) } ?? .range(rows.count))
    }

    /// Rows of cells (a 2-D list), padded to the longest row with NaN.
    package static func fromRows(_ rows: [[JSONValue]], columns: [JSONValue]?, index: [JSONValue]?) throws(PandasError) -> PandasFrame {
        var width = 0
        for r in rows { width = max(width, r.count) }
        if let columns, columns.count != width {
            throw PandasError("ValueError", "\(columns.count) columns passed, passed data had \(width) columns")
        }
        if let index, index.count != rows.count {
            throw PandasError("ValueError", "Length of values (\(rows.count)) does not match length of index (\(index.count))")
        }
        var arrays: [PyArray] = []
        arrays.reserveCapacity(width)
        var cells: [JSONValue] = []
        cells.reserveCapacity(rows.count)
        for c in 0..<width {
            cells.removeAll(keepingCapacity: true)
            for r in rows { cells.append(c < r.count ? r[c] : .double(.nan)) }
            arrays.append(PyArray.infer(cells))
        }
        return PandasFrame(
            labels: columns ?? (0..<width).map { .int(Int64($0)) },
            columns: arrays,
            index: index.map { .labels($0) } ?? .range(rows.count))
    }

    /// `pd.DataFrame(list_of_dicts)`: columns in order of first appearance, missing cells NaN.
    package static func records(_ records: [JSONObject], columns: [JSONValue]? = nil) throws(PandasError) -> PandasFrame {
        var keys: [String] = []
        var seen = Set<String>()
        for r in records {
            for k in r.keys where !seen.contains(k) {
                seen.insert(k)
                keys.append(k)
            }
        }
        let labels: [JSONValue] = columns ?? keys.map { .string($0) }
        var arrays: [PyArray] = []
        for label in labels {
            guard case .string(let key) = label else {
                arrays.append(.float64(Array(repeating: .nan, count: records.count)))
                continue
            }
            arrays.append(PyArray.infer(records.map { $0[key] ?? .double(.nan) }))
        }
        return PandasFrame(labels: labels, columns: arrays, index: .range(records.count))
    }

    /// `pd.DataFrame(dict_of_lists)`.
    private static func fromDictOfLists(_ dict: JSONObject, columns: [JSONValue]?, index: [JSONValue]?) throws(PandasError) -> PandasFrame {
        var labels: [JSONValue] = []
        var arrays: [PyArray] = []
        var length: Int? = nil
        for (key, value) in dict.pairs {
            if let columns, !columns.contains(.string(key)) { continue }
            let values = value.arrayValue ?? [value]
            if let length, length != values.count {
                throw PandasError("ValueError", "All arrays must be of the same length")
            }
            length = values.count
            labels.append(.string(key))
            arrays.append(PyArray.infer(values))
        }
        let n = length ?? 0
        if let index, index.count != n {
            if n == 0 && arrays.isEmpty { return PandasFrame(labels: [], columns: [], index: .labels(index)) }
            throw PandasError("ValueError", "Length of values (\(n)) does not match length of index (\(index.count))")
        }
        return PandasFrame(labels: labels, columns: arrays, index: index.map { .labels($0) } ?? .range(n))
    }

    private static func labelList(_ value: JSONValue?) throws(PandasError) -> [JSONValue]? {
        switch value {
        case nil, .null?: return nil
        case .array(let items)?: return items
        case .object(let o)?: return o.keys.map { .string($0) }
        case let v?:
            throw PandasError("TypeError", "Index(...) must be called with a collection of some kind, \(PythonRepr.repr(v)) was passed")
        }
    }
}

extension PyArray {
    /// `lib.maybe_convert_objects` as pandas 3 applies it when it builds a column from Python objects:
    /// ints → int64 (uint64 past Int64.max), any float or None among numbers → float64, only bools →
    /// bool, only strings (and missing) → str, anything else → object.
    package static func infer(_ values: [JSONValue]) -> PyArray {
        if values.isEmpty { return .object([]) }
        var sawNone = false
        var sawNaN = false
        var sawFloat = false
        var sawInt = false
        var sawNegative = false
        var sawUInt = false
        var sawBig = false
        var sawBool = false
        var sawString = false
        var sawOther = false
        for v in values {
            switch v {
            case .null: sawNone = true
            case .double(let d):
                if d.isNaN { sawNaN = true } else { sawFloat = true }
            case .int(let i):
                sawInt = true
                if i < 0 { sawNegative = true }
            case .bigInt(let digits):
                if !digits.hasPrefix("-"), let u = UInt64(digits) {
                    _ = u
                    sawUInt = true
                } else {
                    sawBig = true
                }
            case .bool: sawBool = true
            case .string: sawString = true
            case .array, .object: sawOther = true
            }
        }
        let sawNumber = sawFloat || sawInt || sawUInt || sawBig
        if sawOther || (sawBool && (sawNumber || sawString || sawNone || sawNaN)) || (sawString && sawNumber) {
            return .object(values)
        }
        if sawString {
            return .str(values.map { if case .string(let s) = $0 { s } else { nil } })
        }
        if sawBool { return .bool(values.map { if case .bool(let b) = $0 { b } else { false } }) }
        if !sawNumber {
            // Only None / NaN.
            return sawNaN ? .float64(Array(repeating: .nan, count: values.count)) : .object(values)
        }
        if sawBig || (sawUInt && sawNegative && !sawFloat && !sawNaN && !sawNone) {
            return .object(values)
        }
        if sawFloat || sawNaN || sawNone {
            return .float64(values.map { $0.asDouble ?? .nan })
        }
        if sawUInt {
            return .uint64(values.map {
                switch $0 {
                case .int(let i): UInt64(i)
                case .bigInt(let d): UInt64(d) ?? 0
                default: 0
                }
            })
        }
        return .int64(values.map { if case .int(let i) = $0 { i } else { 0 } })
    }
}

extension JSONValue {
    /// `float(x)` for numbers and booleans.
    package var asDouble: Double? {
        switch self {
        case .double(let d): d
        case .int(let i): Double(i)
        case .bigInt(let digits): Double(digits)
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }
}
