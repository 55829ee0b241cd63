#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `str(DataFrame)` with pandas' default display options in a non-interactive process (what the
/// scoring server embeds in its schema errors): 60 rows at most (else the first and last five),
/// columns fitted to an 80-character terminal, floats with 6 decimals trimmed alike.
extension PandasFrame {
    package var pythonStr: String {
        if isEmpty {
            return "Empty DataFrame\nColumns: \(PandasRepr.sequence(labels))\nIndex: \(PandasRepr.sequence((0..<rowCount).map { index.label($0) }))"
        }
        let terminalWidth = 80
        var rows = Array(0..<rowCount)
        var rowCut: Int? = nil
        if rowCount > 60 {
            rows = Array(0..<5) + Array((rowCount - 5)..<rowCount)
            rowCut = 5
        }
        var cols = Array(columns.indices)
        var colCut: Int? = nil
        if columns.count > terminalWidth {
            cols = Array(0..<40) + Array((columns.count - 40)..<columns.count)
            colCut = 40
        }
        var strcols: [[String]] = [PandasRepr.indexColumn(index, rows: rows)]
        for c in cols {
            strcols.append(PandasRepr.column(label: labels[c], values: columns[c], rows: rows))
        }
        if let colCut {
            strcols.insert(Array(repeating: " ...", count: strcols[0].count), at: colCut + 1)
        }
        if let rowCut {
            for (ix, _) in strcols.enumerated() {
                let isDotColumn = colCut.map { ix == $0 + 1 } ?? false
                var width = strcols[ix][rowCut].count
                let dots = width > 3 || isDotColumn ? "..." : ".."
                let text: String
                if ix == 0 {
                    text = dots.padding(toWidth: width, left: false)
                } else {
                    if isDotColumn { width = 4 }
                    text = dots.padding(toWidth: width, left: true)
                }
                strcols[ix].insert(text, at: rowCut + 1)
            }
        }
        var truncated = rowCut != nil || colCut != nil
        let text = PandasRepr.fitToWidth(strcols, width: terminalWidth, columnsTruncated: &truncated)
        return truncated ? text + "\n\n[\(rowCount) rows x \(columns.count) columns]" : text
    }
}

enum PandasRepr {
    /// `pprint_thing` of an index or label list: `[a, b, 1]` (no quotes).
    static func sequence(_ items: [JSONValue]) -> String {
        "[" + items.prefix(100).map { label($0) }.joined(separator: ", ") + (items.count > 100 ? ", ..." : "") + "]"
    }

    /// A column or index label as pandas prints it.
    static func label(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): escape(s)
        case .double(let d): d.isNaN ? "NaN" : PythonRepr.float(d)
        default: PythonRepr.str(v)
        }
    }

    /// `pprint_thing(x, escape_chars=("\t", "\r", "\n"))` for a string.
    static func escape(_ s: String) -> String {
        guard s.contains(where: { $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func indexColumn(_ index: PandasIndex, rows: [Int]) -> [String] {
        let texts = rows.map { label(index.label($0)) }
        let width = texts.map(\.count).max() ?? 0
        return [String(repeating: " ", count: width)] + texts.map { $0.padding(toWidth: width, left: false) }
    }

    /// Header plus formatted values, right-justified to a common width.
    static func column(label: JSONValue, values: PyArray, rows: [Int]) -> [String] {
        let header = (values.isNumeric ? " " : "") + self.label(label)
        var cells = format(values.take(rows))
        let maxColWidth = 50
        cells = cells.map { $0.count > maxColWidth ? String($0.prefix(maxColWidth - 3)) + "..." : $0 }
        var width = max(header.count, cells.map(\.count).max() ?? 0)
        width = min(width, max(maxColWidth, header.count))
        return [header.padding(toWidth: width, left: true)] + cells.map { $0.padding(toWidth: width, left: true) }
    }

    /// `format_array(values, leading_space=True)`.
    static func format(_ values: PyArray) -> [String] {
        switch values {
        case .float64(let v): return floats(v)
        case .float32(let v): return floats(v.map { Double(PythonRepr.float32($0)) ?? Double($0) })
        case .int64(let v): return v.map { ($0 < 0 ? "" : " ") + String($0) }
        case .int32(let v): return v.map { ($0 < 0 ? "" : " ") + String($0) }
        case .uint64(let v): return v.map { " " + String($0) }
        case .bool(let v): return v.map { $0 ? " True" : " False" }
        case .str(let v): return v.map { " " + ($0.map(escape) ?? "NaN") }
        case .bytes(let v): return v.map { " " + PythonRepr.bytes($0) }
        case .datetime(let v): return datetimes(v)
        case .object(let v):
            return v.map { x in
                switch x {
                case .double(let d) where !d.isNaN:
                    var s = cFormat(d, "% .6f")
                    while s.hasSuffix("0") { s.removeLast() }
                    if s.hasSuffix(".") { s += "0" }
                    return s
                case .double: return " NaN"
                case .null: return " None"
                case .string(let s): return " " + escape(s)
                default: return " " + pprint(x)
                }
            }
        }
    }

    /// `pprint_thing` of a nested value: sequences and dicts with quoted strings.
    static func pprint(_ v: JSONValue, quoted: Bool = false) -> String {
        switch v {
        case .string(let s): return quoted ? "'\(escape(s))'" : escape(s)
        case .array(let items): return "[" + items.map { pprint($0, quoted: true) }.joined(separator: ", ") + "]"
        case .object(let o): return "{" + o.pairs.map { "'\(escape($0))': \(pprint($1, quoted: true))" }.joined(separator: ", ") + "}"
        default: return PythonRepr.str(v)
        }
    }

    /// `FloatArrayFormatter`: `{: .6f}` with trailing zeros trimmed alike, scientific when values are
    /// tiny or (too long and) huge.
    static func floats(_ v: [Double]) -> [String] {
        func fixed(_ x: Double) -> String { x.isNaN ? "NaN" : cFormat(x, "% .6f") }
        var out = trimZeros(v.map(fixed))
        let tooLong = (out.map(\.count).max() ?? 0) > 12
        let hasLarge = v.contains { abs($0) > 1e6 }
        let hasSmall = v.contains { abs($0) < 1e-6 && $0 != 0 }
        if hasSmall || (tooLong && hasLarge) {
            out = trimZeros(v.map { $0.isNaN ? "NaN" : cFormat($0, "% .6e") })
        }
        return out
    }

    /// `_trim_zeros_float`: drop trailing zeros from every decimal number while all of them end in 0.
    static func trimZeros(_ values: [String]) -> [String] {
        let isNumber = values.map(isDecimalNumber)
        guard isNumber.contains(true) else { return values }
        var trimmed = values
        while zip(trimmed, isNumber).allSatisfy({ !$1 || $0.hasSuffix("0") }) {
            trimmed = zip(trimmed, isNumber).map { $1 ? String($0.dropLast()) : $0 }
        }
        return zip(trimmed, isNumber).map { $1 && $0.hasSuffix(".") ? $0 + "0" : $0 }
    }

    /// `^\s*[+-]?[0-9]+\.[0-9]*$`
    private static func isDecimalNumber(_ s: String) -> Bool {
        let b = Array(s.utf8)
        var i = 0
        while i < b.count, b[i] == UInt8(ascii: " ") { i += 1 }
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
        let start = i
        while i < b.count, b[i] &- 48 < 10 { i += 1 }
        guard i > start, i < b.count, b[i] == UInt8(ascii: ".") else { return false }
        i += 1
        while i < b.count, b[i] &- 48 < 10 { i += 1 }
        return i == b.count
    }

    static func datetimes(_ v: [Int64]) -> [String] {
        let valid = v.filter { $0 != PyArray.notATime }
        let dateOnly = valid.allSatisfy { $0 % 86_400_000_000_000 == 0 }
        let fractionDigits: Int = {
            if valid.contains(where: { $0 % 1000 != 0 }) { return 9 }
            if valid.contains(where: { $0 % 1_000_000 != 0 }) { return 6 }
            if valid.contains(where: { $0 % 1_000_000_000 != 0 }) { return 3 }
            return 0
        }()
        return v.map { ns in
            guard ns != PyArray.notATime else { return "NaT" }
            return ISODateTime.format(ns, dateOnly: dateOnly, fractionDigits: fractionDigits)
        }
    }

    static func cFormat(_ x: Double, _ format: String) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { buffer in
            let n = withVaList([x]) { vsnprintf(buffer.baseAddress!, 512, format, $0) }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: Int(min(n, 511))), as: UTF8.self)
        }
    }

    /// `StringFormatter._fit_strcols_to_terminal_width`.
    static func fitToWidth(_ strcols: [[String]], width: Int, columnsTruncated: inout Bool) -> String {
        var colLens = strcols.map { $0.map(\.count).max() ?? 0 }
        var nCols = colLens.count
        let total = colLens.reduce(0, +) + nCols - 1
        var adjDif = total - width + 1
        if adjDif <= 0 { return adjoin(strcols) }
        adjDif += 5
        while adjDif > 0 && nCols > 1 {
            let mid = Int((Double(nCols) / 2).rounded(.toNearestOrEven))
            adjDif -= colLens.remove(at: mid) + 1
            nCols -= 1
        }
        let maxColsFitted = max(nCols - 1, 2)
        let dataColumns = strcols.count - 1
        if maxColsFitted >= dataColumns { return adjoin(strcols) }
        columnsTruncated = true
        let colNum = maxColsFitted / 2
        var kept = Array(strcols[..<(colNum + 1)]) + Array(strcols[(strcols.count - colNum)...])
        kept.insert(Array(repeating: " ...", count: kept[0].count), at: colNum + 1)
        return adjoin(kept)
    }

    /// `adjoin(1, *strcols)`.
    static func adjoin(_ strcols: [[String]]) -> String {
        let widths = strcols.enumerated().map { i, col in (col.map(\.count).max() ?? 0) + (i < strcols.count - 1 ? 1 : 0) }
        let rows = strcols.map(\.count).max() ?? 0
        var lines: [String] = []
        for r in 0..<rows {
            var line = ""
            for (i, col) in strcols.enumerated() {
                let offset = rows - col.count
                let cell = r >= offset ? col[r - offset] : ""
                line += cell.padding(toWidth: widths[i], left: false)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// `rjust` (`left: true` pads on the left) or `ljust` to `width` characters.
    func padding(toWidth width: Int, left: Bool) -> String {
        let n = count
        guard n < width else { return self }
        let pad = String(repeating: " ", count: width - n)
        return left ? pad + self : self + pad
    }
}
