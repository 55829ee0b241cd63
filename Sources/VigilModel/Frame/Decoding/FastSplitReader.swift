/// The hot path: a `{"dataframe_split": {"columns": […], "data": [[numbers…]…]}}` body read
/// straight from bytes into typed columns, without building a value per cell.
///
/// It only handles what it can handle exactly like the general path — numeric cells and nulls in
/// rectangular rows, no unified-LLM keys, no other format key — and returns nil for anything
/// else (including every malformed body), so that the general path answers with MLflow's message.
enum FastSplitReader {
    struct Result {
        var split: DataframeSplit.Parts
        var params: JSONValue?
    }

    static func read(_ body: UnsafeRawBufferPointer) throws(ScoringError) -> Result? {
        if body.count >= 3 && body[0] == 0xEF && body[1] == 0xBB && body[2] == 0xBF { return nil }
        if body.count >= 2 && (body[0] == 0 || body[1] == 0) { return nil }
        if UTF8Validation.validate(body, surrogatePass: true) != nil { return nil }
        var reader = JSONReader(body)
        do {
            reader.skipWhitespace()
            guard reader.peek() == UInt8(ascii: "{") else { return nil }
            reader.index += 1
            reader.skipWhitespace()
            var split: DataframeSplit.Parts? = nil
            var params: JSONValue? = nil
            if reader.peek() != UInt8(ascii: "}") {
                while true {
                    let key = try reader.parseKey()
                    if RequestDecoder.llmKeys.contains(key) { return nil }
                    if key == RequestDecoder.dataframeSplit {
                        guard let parts = try readSplit(&reader) else { return nil }
                        split = parts
                    } else if RequestDecoder.supportedFormats.contains(key) {
                        return nil
                    } else if key == "params" {
                        params = try reader.parseValue()
                    } else {
                        try reader.skipValue()
                    }
                    reader.skipWhitespace()
                    if reader.peek() == UInt8(ascii: "}") { break }
                    guard reader.peek() == UInt8(ascii: ",") else { return nil }
                    reader.index += 1
                    reader.skipWhitespace()
                }
            }
            reader.index += 1
            reader.skipWhitespace()
            guard reader.index == body.count, let split else { return nil }
            return Result(split: split, params: params)
        } catch {
            return nil
        }
    }

    /// The `dataframe_split` object, with `index` on its value.
    private static func readSplit(_ reader: inout JSONReader) throws(JSONSyntaxError) -> DataframeSplit.Parts? {
        guard reader.peek() == UInt8(ascii: "{") else { return nil }
        reader.index += 1
        reader.skipWhitespace()
        var parts = DataframeSplit.Parts(keys: [])
        if reader.peek() == UInt8(ascii: "}") {
            reader.index += 1
            return parts
        }
        while true {
            let key = try reader.parseKey()
            if !parts.keys.contains(key) { parts.keys.append(key) }
            switch key {
            case "columns": parts.columns = try reader.parseValue()
            case "index": parts.index = try reader.parseValue()
            case "data":
                let start = reader.index
                if let table = NumericTable.read(&reader) {
                    parts.table = table
                    parts.data = nil
                } else {
                    reader.index = start
                    parts.data = try reader.parseValue()
                    parts.table = nil
                }
            default: try reader.skipValue()
            }
            reader.skipWhitespace()
            if reader.peek() == UInt8(ascii: "}") {
                reader.index += 1
                return parts
            }
            guard reader.peek() == UInt8(ascii: ",") else { return nil }
            reader.index += 1
            reader.skipWhitespace()
        }
    }
}

/// Rows of numbers (and nulls), row-major, with what pandas needs to type each column.
struct NumericTable {
    var rows: Int
    var width: Int
    var values: [Double]
    /// Per column: every cell was an integer literal.
    var integral: [Bool]
    /// Per column: some cell was null.
    var hasNull: [Bool]

    /// Reads `[[n, …], …]` at `reader.index`, or returns nil (position unspecified) for anything
    /// else: strings, booleans, NaN literals, nested values, ragged or empty rows, integers
    /// beyond 2^53, syntax errors.
    static func read(_ reader: inout JSONReader) -> NumericTable? {
        let b = reader.bytes
        let n = b.count
        var i = reader.index
        @inline(__always) func skip() {
            while i < n, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }
        guard i < n, b[i] == UInt8(ascii: "[") else { return nil }
        i += 1
        skip()
        var values: [Double] = []
        var integral: [Bool] = []
        var nulls: [Int] = []
        var width = -1
        var rows = 0
        guard i < n, b[i] == UInt8(ascii: "[") else { return nil }
        while true {
            // One row.
            guard i < n, b[i] == UInt8(ascii: "[") else { return nil }
            i += 1
            skip()
            var column = 0
            if i < n, b[i] == UInt8(ascii: "]") { return nil }
            while true {
                guard i < n else { return nil }
                let c = b[i]
                if width >= 0 && column >= width { return nil }
                if c == UInt8(ascii: "n") {
                    guard i + 4 <= n, b[i + 1] == UInt8(ascii: "u"), b[i + 2] == UInt8(ascii: "l"), b[i + 3] == UInt8(ascii: "l") else { return nil }
                    i += 4
                    values.append(.nan)
                    if width < 0 {
                        integral.append(true)
                        nulls.append(1)
                    } else {
                        nulls[column] += 1
                    }
                } else {
                    guard let number = JSONNumber.scan(b, i) else { return nil }
                    if number.isFloat {
                        values.append(number.double)
                        if width < 0 {
                            integral.append(false)
                            nulls.append(0)
                        } else {
                            integral[column] = false
                        }
                    } else {
                        guard number.fitsInt64, number.int.magnitude <= 1 << 53 else { return nil }
                        values.append(Double(number.int))
                        if width < 0 {
                            integral.append(true)
                            nulls.append(0)
                        }
                    }
                    i = number.end
                }
                column += 1
                skip()
                guard i < n else { return nil }
                if b[i] == UInt8(ascii: ",") {
                    i += 1
                    skip()
                    continue
                }
                guard b[i] == UInt8(ascii: "]") else { return nil }
                i += 1
                break
            }
            if width < 0 {
                width = column
            } else if column != width {
                return nil
            }
            rows += 1
            skip()
            guard i < n else { return nil }
            if b[i] == UInt8(ascii: ",") {
                i += 1
                skip()
                continue
            }
            guard b[i] == UInt8(ascii: "]") else { return nil }
            i += 1
            break
        }
        // A column of nulls only is an object column: leave it to the general path.
        if nulls.contains(rows) { return nil }
        reader.index = i
        return NumericTable(rows: rows, width: width, values: values, integral: integral, hasNull: nulls.map { $0 > 0 })
    }

    /// `pd.DataFrame(data=rows, columns=columns, index=index)`.
    func frame(columns: JSONValue?, index: JSONValue?) throws(PandasError) -> PandasFrame {
        var labels: [JSONValue]
        switch columns {
        case nil, .null?: labels = (0..<width).map { .int(Int64($0)) }
        case .array(let l)?: labels = l
        case .object(let o)?: labels = o.keys.map { .string($0) }
        case let v?: throw PandasError("TypeError", "Index(...) must be called with a collection of some kind, \(PythonRepr.repr(v)) was passed")
        }
        if labels.count != width {
            throw PandasError("ValueError", "\(labels.count) columns passed, passed data had \(width) columns")
        }
        var pandasIndex = PandasIndex.range(rows)
        switch index {
        case nil, .null?: break
        case .array(let l)?:
            guard l.count == rows else {
                throw PandasError("ValueError", "Length of values (\(rows)) does not match length of index (\(l.count))")
            }
            pandasIndex = .labels(l)
        case let v?: throw PandasError("TypeError", "Index(...) must be called with a collection of some kind, \(PythonRepr.repr(v)) was passed")
        }
        var arrays: [PyArray] = []
        arrays.reserveCapacity(width)
        values.withUnsafeBufferPointer { v in
            for c in 0..<width {
                if integral[c] && !hasNull[c] {
                    arrays.append(.int64([Int64](unsafeUninitializedCapacity: rows) { out, count in
                        for r in 0..<rows { out[r] = Int64(v[r &* width &+ c]) }
                        count = rows
                    }))
                } else {
                    arrays.append(.float64([Double](unsafeUninitializedCapacity: rows) { out, count in
                        for r in 0..<rows { out[r] = v[r &* width &+ c] }
                        count = rows
                    }))
                }
            }
        }
        return PandasFrame(labels: labels, columns: arrays, index: pandasIndex)
    }
}

/// The model's rows straight from a numeric table, for the case where MLflow's casts and schema
/// enforcement provably change nothing but types and column order: every signature column is
/// `double` or `long` and present exactly once (extra request columns are dropped, as MLflow
/// drops them), or there is no signature. Returns nil whenever the general path could answer
/// differently.
enum DirectFrame {
    static func make(_ parts: DataframeSplit.Parts, schema: Schema?) -> Frame? {
        guard let table = parts.table, parts.keys.contains("data"),
            parts.keys.allSatisfy({ $0 == "columns" || $0 == "data" || $0 == "index" }),
            case .array(let labels)? = parts.columns, labels.count == table.width
        else { return nil }
        switch parts.index {
        case nil, .null?: break
        case .array(let l)? where l.count == table.rows: break
        default: return nil
        }
        var labelNames: [String] = []
        labelNames.reserveCapacity(labels.count)
        for l in labels {
            guard case .string(let s) = l else { return nil }
            labelNames.append(s)
        }
        // For each output column: its request position and whether it becomes int64.
        var sources: [(position: Int, long: Bool)] = []
        let names: [String]
        if let schema {
            guard case .columns(let specs) = schema, specs.first?.name != nil else { return nil }
            names = specs.map { $0.name! }
            var positions: [Int]
            if labelNames == names {
                positions = Array(names.indices)
            } else {
                var index: [String: Int] = [:]
                for (i, n) in labelNames.enumerated() {
                    guard index.updateValue(i, forKey: n) == nil else { return nil }
                }
                positions = []
                for n in names {
                    guard let p = index[n] else { return nil }
                    positions.append(p)
                }
            }
            for (spec, p) in zip(specs, positions) {
                switch spec.type {
                case .scalar(.double): sources.append((p, false))
                case .scalar(.long): sources.append((p, true))
                default: return nil
                }
            }
        } else {
            names = labelNames
            for c in 0..<table.width { sources.append((c, table.integral[c] && !table.hasNull[c])) }
        }
        let rows = table.rows
        let width = table.width
        var columns: [Column] = []
        columns.reserveCapacity(sources.count)
        let ok = table.values.withUnsafeBufferPointer { v -> Bool in
            for (c, long) in sources {
                if long {
                    if table.hasNull[c] { return false }
                    var out = [Int64](repeating: 0, count: rows)
                    for r in 0..<rows {
                        let x = v[r &* width &+ c]
                        // 1e400 parses to inf: pandas refuses to cast that, let the general path say so.
                        guard x.isFinite else { return false }
                        out[r] = PythonConversions.truncate(x)
                    }
                    columns.append(.int64(out))
                } else {
                    columns.append(.double([Double](unsafeUninitializedCapacity: rows) { out, count in
                        for r in 0..<rows { out[r] = v[r &* width &+ c] }
                        count = rows
                    }))
                }
            }
            return true
        }
        guard ok else { return nil }
        return Frame(names: names, columns: columns, rowCount: rows)
    }
}
