/// `text/csv` bodies, read as `pd.read_csv(StringIO(text), dtype={signature types})` reads them.
enum CSVReader {
    static let naValues: Set<String> = [
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
        "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
    ]

    static func read(_ body: UnsafeRawBufferPointer, schema: Schema?) throws(ScoringError) -> PandasFrame {
        if let e = UTF8Validation.validate(body, surrogatePass: false) {
            throw ScoringError.invalidInput(
                "Ensure that input is a valid UTF-8 encoded string. Error: '\(JSONDocument.unicodeErrorRepr("utf-8", body, e))'")
        }
        var dtypes: [String: DataType] = [:]
        if let schema {
            switch schema {
            case .tensors:
                throw parseFailure("TensorSpec only supports numpy types, use numpy_types() instead")
            case .columns(let specs):
                for spec in specs {
                    guard case .scalar(let t) = spec.type else {
                        throw parseFailure("Failed to get pandas types as some of the inputs types are not DataType.")
                    }
                    if let name = spec.name { dtypes[name] = t }
                }
            }
        }
        var start = 0
        if body.count >= 3 && body[0] == 0xEF && body[1] == 0xBB && body[2] == 0xBF { start = 3 }
        let records: [[Field]]
        do {
            records = try tokenize(UnsafeRawBufferPointer(rebasing: body[start...]))
        } catch {
            throw parseFailure(error.message)
        }
        guard let header = records.first else { throw parseFailure("No columns to parse from file") }
        var names: [String] = []
        for (i, f) in header.enumerated() {
            var name = f.text.isEmpty ? "Unnamed: \(i)" : f.text
            if names.contains(name) {
                var k = 1
                while names.contains("\(name).\(k)") { k += 1 }
                name = "\(name).\(k)"
            }
            names.append(name)
        }
        let rows = records.dropFirst()
        var columns: [PyArray] = []
        for (c, name) in names.enumerated() {
            let cells: [Field?] = rows.map { c < $0.count ? $0[c] : nil }
            do {
                columns.append(try column(cells, dtype: dtypes[name], position: c))
            } catch {
                throw parseFailure(error.message)
            }
        }
        return PandasFrame(labels: names.map { .string($0) }, columns: columns, index: .range(rows.count))
    }

    private static func parseFailure(_ message: String) -> ScoringError {
        .mlflow(
            .badRequest,
            "Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted Pandas DataFrame produced using the `pandas.DataFrame.to_csv()` method. Error: '\(message)'",
            stackTrace: "vigil: pandas.read_csv would raise: \(message)")
    }

    struct Field {
        var text: String
        var quoted: Bool
        var isNA: Bool { CSVReader.naValues.contains(text) }
    }

    /// Splits the text into records of fields (RFC 4180 quoting, `\n`, `\r\n` or `\r` line ends,
    /// blank lines skipped), failing on rows longer than the header like pandas' C tokenizer.
    static func tokenize(_ text: UnsafeRawBufferPointer) throws(PandasError) -> [[Field]] {
        var records: [[Field]] = []
        var fields: [Field] = []
        var field: [UInt8] = []
        var quoted = false
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var i = 0
        let n = text.count
        func endField() {
            fields.append(Field(text: String(decoding: field, as: UTF8.self), quoted: quoted))
            field.removeAll(keepingCapacity: true)
            quoted = false
        }
        func endRecord() throws(PandasError) {
            endField()
            if fields.count == 1 && fields[0].text.isEmpty && !fields[0].quoted {
                fields.removeAll()
                return
            }
            if let header = records.first, fields.count > header.count {
                throw PandasError("ParserError", "Error tokenizing data. C error: Expected \(header.count) fields in line \(recordLine), saw \(fields.count)\n")
            }
            records.append(fields)
            fields.removeAll()
        }
        while i < n {
            let c = text[i]
            if inQuotes {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < n && text[i + 1] == UInt8(ascii: "\"") {
                        field.append(c)
                        i += 2
                        continue
                    }
                    inQuotes = false
                } else {
                    if c == 0x0A { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case UInt8(ascii: ","):
                endField()
            case UInt8(ascii: "\""):
                if field.isEmpty && !quoted {
                    inQuotes = true
                    quoted = true
                } else {
                    field.append(c)
                }
            case 0x0A, 0x0D:
                if c == 0x0D && i + 1 < n && text[i + 1] == 0x0A { i += 1 }
                try endRecord()
                line += 1
                recordLine = line
            default:
                field.append(c)
            }
            i += 1
        }
        if inQuotes {
            throw PandasError("ParserError", "Error tokenizing data. C error: EOF inside string starting at row \(records.count)\n")
        }
        if !field.isEmpty || !fields.isEmpty || quoted { try endRecord() }
        return records
    }

    /// One column: converted to the signature's dtype, or typed the way pandas infers it.
    static func column(_ cells: [Field?], dtype: DataType?, position: Int) throws(PandasError) -> PyArray {
        let texts: [String?] = cells.map { f in f.flatMap { $0.isNA ? nil : $0.text } }
        let present = texts.compactMap { $0 }
        // pandas' parser reads True/False before casting, so they reach numeric dtypes as 1/0.
        if let dtype, [.double, .float, .long, .integer].contains(dtype), !present.isEmpty,
            present.allSatisfy({ parseBool($0) != nil })
        {
            if texts.contains(where: { $0 == nil }) {
                if dtype == .long || dtype == .integer {
                    throw PandasError("ValueError", "Integer column has NA values in column \(position)")
                }
            }
            let ones = texts.map { $0.flatMap(parseBool).map { $0 ? 1.0 : 0.0 } ?? .nan }
            switch dtype {
            case .double: return .float64(ones)
            case .float: return .float32(ones.map { Float($0) })
            case .long: return .int64(ones.map { Int64($0) })
            default: return .int32(ones.map { Int32($0) })
            }
        }
        switch dtype {
        case .double?, .float?:
            var out: [Double] = []
            for t in texts {
                guard let t else {
                    out.append(.nan)
                    continue
                }
                guard let v = parseFloat(t) else {
                    if (try? PythonConversions.float(t)) == nil {
                        throw PandasError("ValueError", "could not convert string to float: \(PythonRepr.string(t))")
                    }
                    throw PandasError("ValueError", "cannot safely convert passed user dtype of \(dtype!.numpyName) for object dtyped data in column \(position)")
                }
                out.append(v)
            }
            return dtype == .double ? .float64(out) : .float32(out.map { Float($0) })
        case .long?, .integer?:
            if texts.contains(where: { $0 == nil }) {
                throw PandasError("ValueError", "Integer column has NA values in column \(position)")
            }
            var out: [Int64] = []
            var sawFloat = false
            for t in present {
                if let v = parseInt(t) {
                    out.append(v)
                } else if let d = parseFloat(t) {
                    sawFloat = true
                    guard d.rounded(.towardZero) == d, let v = Int64(exactly: d) else {
                        throw PandasError("ValueError", "cannot safely convert passed user dtype of \(dtype!.numpyName) for float64 dtyped data in column \(position)")
                    }
                    out.append(v)
                } else {
                    if (try? PythonConversions.int(.string(t))) == nil {
                        throw PandasError("ValueError", "invalid literal for int() with base 10: \(PythonRepr.string(t))")
                    }
                    throw PandasError("ValueError", "cannot safely convert passed user dtype of \(dtype!.numpyName) for object dtyped data in column \(position)")
                }
            }
            _ = sawFloat
            return dtype == .long ? .int64(out) : .int32(out.map { Int32(truncatingIfNeeded: $0) })
        case .boolean?:
            var out: [Bool] = []
            for t in present {
                guard let b = parseBool(t) else {
                    throw PandasError("ValueError", "cannot safely convert passed user dtype of bool for object dtyped data in column \(position)")
                }
                out.append(b)
            }
            if texts.contains(where: { $0 == nil }) {
                throw PandasError("ValueError", "Bool column has NA values in column \(position)")
            }
            return .bool(out)
        case .string?, .binary?:
            return .object(texts.map { $0.map { .string($0) } ?? .double(.nan) })
        case .datetime?:
            throw PandasError("TypeError", "the dtype datetime64[ns] is not supported for parsing, pass this column using parse_dates instead")
        case nil:
            return infer(texts)
        }
    }

    /// pandas' type inference for a column read from text.
    static func infer(_ texts: [String?]) -> PyArray {
        let present = texts.compactMap { $0 }
        if present.isEmpty { return .float64(Array(repeating: .nan, count: texts.count)) }
        let hasNA = present.count != texts.count
        if present.allSatisfy({ parseInt($0) != nil }) {
            if !hasNA { return .int64(texts.map { parseInt($0!)! }) }
            return .float64(texts.map { $0.flatMap(parseFloat) ?? .nan })
        }
        if present.allSatisfy({ parseFloat($0) != nil }) {
            return .float64(texts.map { $0.flatMap(parseFloat) ?? .nan })
        }
        if present.allSatisfy({ parseBool($0) != nil }) {
            if !hasNA { return .bool(texts.map { parseBool($0!)! }) }
            return .object(texts.map { $0.flatMap(parseBool).map { .bool($0) } ?? .double(.nan) })
        }
        return .str(texts)
    }

    static func parseInt(_ s: String) -> Int64? {
        let t = s.trimmingPythonWhitespace()
        var digits = Substring(t)
        var negative = false
        if digits.first == "+" || digits.first == "-" {
            negative = digits.first == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 &- 48 < 10 }), let m = UInt64(digits) else { return nil }
        if negative { return m <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- m) : nil }
        return m <= UInt64(Int64.max) ? Int64(m) : nil
    }

    static func parseFloat(_ s: String) -> Double? {
        if s.contains("_") { return nil }
        return try? PythonConversions.float(s)
    }

    static func parseBool(_ s: String) -> Bool? {
        switch s {
        case "True", "TRUE", "true": true
        case "False", "FALSE", "false": false
        default: nil
        }
    }
}
