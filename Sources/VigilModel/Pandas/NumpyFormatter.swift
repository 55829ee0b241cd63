#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// numpy's `array2string` with default print options (precision 8, `maxprec` float mode,
/// line width 75, summarised past 1000 elements).
struct NumpyFormatter {
    let array: NDArray
    private var format: (Int) -> String = { _ in "" }

    init(_ array: NDArray) {
        self.array = array
        let summarize = array.values.count > 1000
        let visible = summarize ? Self.visibleIndices(shape: array.shape) : Array(0..<array.values.count)
        switch array.values {
        case .float64(let v):
            let f = FloatingFormat(v, visible: visible)
            format = { f.format(v[$0]) }
        case .float32(let v):
            let widened = v.map { Double(PythonRepr.float32($0)) ?? Double($0) }
            let f = FloatingFormat(widened, visible: visible)
            format = { f.format(widened[$0]) }
        case .int64, .int32, .uint64, .datetime:
            let texts = (0..<array.values.count).map { PythonRepr.str(array.values.element($0)) }
            let width = visible.map { texts[$0].count }.max() ?? 0
            format = { String(repeating: " ", count: width - texts[$0].count) + texts[$0] }
        case .bool(let v):
            let anyTrue = visible.contains { v[$0] }
            format = { v[$0] ? (anyTrue ? " True" : "True") : "False" }
        case .str(let v):
            format = { PythonRepr.string(v[$0] ?? "") }
        case .bytes(let v):
            format = { PythonRepr.bytes(v[$0]) }
        case .object(let v):
            format = { PythonRepr.repr(v[$0]) }
        }
    }

    private static func visibleIndices(shape: [Int]) -> [Int] {
        // Edge items (3) along every axis.
        var result: [Int] = [0]
        var stride = 1
        for dim in shape.reversed() {
            let keep = dim > 6 ? Array(0..<3) + Array((dim - 3)..<dim) : Array(0..<dim)
            result = keep.flatMap { k in result.map { $0 + k * stride } }
            stride *= dim
        }
        return result.sorted()
    }

    func array2string(separator: String, prefix: String, suffixLength: Int = 0) -> String {
        let lineWidth = 75 - suffixLength
        let nextLinePrefix = " " + String(repeating: " ", count: prefix.count)
        let summarize = array.values.count > 1000
        return recurse(index: [], hangingIndent: nextLinePrefix, width: lineWidth, separator: separator, summarize: summarize)
    }

    private func offset(_ index: [Int]) -> Int {
        var o = 0
        for (axis, i) in index.enumerated() { o = o * array.shape[axis] + i }
        return o
    }

    private func recurse(index: [Int], hangingIndent: String, width: Int, separator: String, summarize: Bool) -> String {
        let axis = index.count
        let axesLeft = array.ndim - axis
        if axesLeft == 0 { return format(offset(index)) }
        let nextIndent = hangingIndent + " "
        let nextWidth = width - 1
        let length = array.shape[axis]
        let showSummary = summarize && 6 < length
        let leading = showSummary ? 3 : 0
        let trailing = showSummary ? 3 : length
        var s = ""
        if axesLeft == 1 {
            let elemWidth = width - max(separator.trimmingTrailingSpaces().count, 1)
            var line = hangingIndent
            func extend(_ word: String, _ w: Int) {
                var needsWrap = line.count + word.count > w
                if line.count <= hangingIndent.count { needsWrap = false }
                if needsWrap {
                    s += line.trimmingTrailingSpaces() + "\n"
                    line = hangingIndent
                }
                line += word
            }
            for i in 0..<leading {
                extend(recurse(index: index + [i], hangingIndent: nextIndent, width: nextWidth, separator: separator, summarize: summarize), elemWidth)
                line += separator
            }
            if showSummary {
                extend("...", elemWidth)
                line += separator
            }
            if trailing > 1 {
                for i in stride(from: trailing, to: 1, by: -1) {
                    extend(recurse(index: index + [length - i], hangingIndent: nextIndent, width: nextWidth, separator: separator, summarize: summarize), elemWidth)
                    line += separator
                }
            }
            if length > 0 {
                extend(recurse(index: index + [length - 1], hangingIndent: nextIndent, width: nextWidth, separator: separator, summarize: summarize), elemWidth)
            }
            s += line
        } else {
            let lineSep = separator.trimmingTrailingSpaces() + String(repeating: "\n", count: axesLeft - 1)
            for i in 0..<leading {
                s += hangingIndent + recurse(index: index + [i], hangingIndent: nextIndent, width: nextWidth, separator: separator, summarize: summarize) + lineSep
            }
            if showSummary { s += hangingIndent + "..." + lineSep }
            if trailing > 1 {
                for i in stride(from: trailing, to: 1, by: -1) {
                    s += hangingIndent + recurse(index: index + [length - i], hangingIndent: nextIndent, width: nextWidth, separator: separator, summarize: summarize) + lineSep
                }
            }
            if length > 0 {
                s += hangingIndent + recurse(index: index + [length - 1], hangingIndent: nextIndent, width: nextWidth, separator: separator, summarize: summarize)
            }
        }
        return "[" + String(s.dropFirst(hangingIndent.count)) + "]"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// numpy's `FloatingFormat` in `maxprec` mode: shortest digits capped at 8 decimals, aligned on
/// the decimal point, switching to scientific notation for very large, small or spread values.
struct FloatingFormat {
    private var exponential = false
    private var padLeft = 0
    private var padRight = 0
    private var precision = 8
    private var expSize = 2

    init(_ values: [Double], visible: [Int]) {
        let finite = visible.map { values[$0] }.filter(\.isFinite)
        let nonZero = finite.filter { $0 != 0 }.map(abs)
        if let maxV = nonZero.max(), let minV = nonZero.min() {
            if maxV >= 1e8 || minV < 0.0001 || maxV / minV > 1000 { exponential = true }
        }
        if finite.isEmpty {
            padLeft = 0
            padRight = 0
        } else if exponential {
            let parts = finite.map { Self.scientific($0, precision: 8) }
            precision = parts.map { $0.fraction.count }.max() ?? 0
            padLeft = parts.map { $0.integer.count }.max() ?? 1
            expSize = max(2, parts.map { $0.exponent.count }.max() ?? 2)
            padRight = expSize + 2 + precision
        } else {
            let parts = finite.map { Self.positional($0) }
            padLeft = parts.map { $0.integer.count }.max() ?? 1
            padRight = parts.map { $0.fraction.count }.max() ?? 0
        }
        if finite.count != visible.count {
            let nonFinite = visible.map { values[$0] }.filter { !$0.isFinite }
            let negInf = nonFinite.contains { $0 < 0 && $0.isInfinite } ? 1 : 0
            padLeft = max(padLeft, 3 - (padRight + 1), 3 + negInf - (padRight + 1))
        }
    }

    func format(_ x: Double) -> String {
        if !x.isFinite {
            let text = x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf")
            return String(repeating: " ", count: max(0, padLeft + padRight + 1 - text.count)) + text
        }
        if exponential {
            let p = Self.scientific(x, precision: precision, minDigits: precision)
            let exponentDigits = p.exponent.count < expSize
                ? String(repeating: "0", count: expSize - p.exponent.count) + p.exponent : p.exponent
            return String(repeating: " ", count: max(0, padLeft - p.integer.count)) + p.integer + "." + p.fraction
                + "e" + p.expSign + exponentDigits
        }
        let p = Self.positional(x)
        return String(repeating: " ", count: max(0, padLeft - p.integer.count)) + p.integer + "." + p.fraction
            + String(repeating: " ", count: max(0, padRight - p.fraction.count))
    }

    /// `dragon4_positional(x, precision=8, unique=True, trim='.')` split at the point.
    static func positional(_ x: Double) -> (integer: String, fraction: String) {
        var text = PythonRepr.float(x)
        if text.contains("e") || (text.split(separator: ".").last?.count ?? 0) > 8 {
            text = fixed(x, decimals: 8)
            while text.hasSuffix("0") { text.removeLast() }
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        // Python's repr writes integral values as `2.0`; numpy trims them to `2.`.
        if fraction == "0" { fraction = "" }
        return (String(parts[0]), fraction)
    }

    /// `dragon4_scientific(x, precision, unique=True)`: mantissa digits and exponent.
    static func scientific(_ x: Double, precision: Int, minDigits: Int = 0) -> (integer: String, fraction: String, expSign: String, exponent: String) {
        let (negative, digits, decimalPoint) = PythonRepr.shortestDigits(x)
        var mantissa = digits
        var exponent = decimalPoint - 1
        if mantissa.count > precision + 1 {
            // Round to precision+1 significant digits from the exact value.
            let text = scientificText(x, decimals: precision)
            let parts = text.split(separator: "e")
            let m = parts[0].filter { $0 != "-" && $0 != "." }
            mantissa = m.utf8.map { $0 - 48 }
            exponent = Int(parts[1]) ?? exponent
            while mantissa.count > 1 && mantissa.last == 0 { mantissa.removeLast() }
        }
        var fraction = String(mantissa.dropFirst().map { Character(Unicode.Scalar($0 + 48)) })
        while fraction.count < minDigits { fraction += "0" }
        let integer = (negative ? "-" : "") + String(mantissa[0])
        return (integer, fraction, exponent < 0 ? "-" : "+", String(abs(exponent)))
    }

    private static func fixed(_ x: Double, decimals: Int) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 400) { buffer in
            let n = withVaList([x]) { vsnprintf(buffer.baseAddress!, 400, "%.\(decimals)f", $0) }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: Int(n)), as: UTF8.self)
        }
    }

    private static func scientificText(_ x: Double, decimals: Int) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let n = withVaList([x]) { vsnprintf(buffer.baseAddress!, 64, "%.\(decimals)e", $0) }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: Int(n)), as: UTF8.self)
        }
    }
}
