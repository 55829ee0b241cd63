/// A numpy array read from a `.npy` file (format 1.0–3.0), or from a skops JSON list.
///
/// Only plain little-endian numeric, boolean and fixed-width unicode dtypes, and structured dtypes
/// made of them, are read: an object array (`|O`, which numpy stores as a pickle) is refused.
/// The header is parsed strictly (the exact dict numpy writes), the shape must account for every
/// byte, and sizes are bounded.
package struct NPYArray: Sendable, Equatable {
    package enum Values: Sendable, Equatable {
        case float64([Double])
        case float32([Float])
        case int64([Int64])
        case bool([Bool])
        case string([String])
        /// An object array of strings and None (skops stores these as JSON, not .npy).
        case objects([String?])
        /// A structured array: each field's values, in field order.
        case records([(name: String, values: Values)])

        package static func == (a: Values, b: Values) -> Bool {
            switch (a, b) {
            case (.float64(let x), .float64(let y)): x.map(\.bitPattern) == y.map(\.bitPattern)
            case (.float32(let x), .float32(let y)): x.map(\.bitPattern) == y.map(\.bitPattern)
            case (.int64(let x), .int64(let y)): x == y
            case (.bool(let x), .bool(let y)): x == y
            case (.string(let x), .string(let y)): x == y
            case (.objects(let x), .objects(let y)): x == y
            case (.records(let x), .records(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.name == $1.name && $0.values == $1.values }
            default: false
            }
        }
    }

    package let shape: [Int]
    package let values: Values

    package var count: Int { Self.elementCount(shape) ?? 0 }

    /// The product of `shape`, or nil on overflow or a negative dimension.
    package static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (m, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else { return nil }
            n = m
        }
        return n
    }

    /// Most elements an array may hold.
    package static let maxElements = 1 << 28

    package init(shape: [Int], values: Values) {
        self.shape = shape
        self.values = values
    }

    /// Every value as a double (integers and booleans converted), or nil for strings and records.
    package var doubles: [Double]? {
        switch values {
        case .float64(let v): v
        case .float32(let v): v.map(Double.init)
        case .int64(let v): v.map(Double.init)
        case .bool(let v): v.map { $0 ? 1 : 0 }
        case .string, .objects, .records: nil
        }
    }

    /// The field `name` of a structured array.
    package func field(_ name: String) -> Values? {
        guard case .records(let fields) = values else { return nil }
        return fields.first { $0.name == name }?.values
    }

    /// Parses a `.npy` file.
    package init(npy bytes: ArraySlice<UInt8>, name: String) throws(ModelFileError) {
        let b = Array(bytes)
        func fail(_ reason: String) -> ModelFileError { .invalidValue(field: name, reason: reason) }
        guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else { throw fail("not a .npy file") }
        let major = b[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(b[8]) | Int(b[9]) << 8
            headerStart = 10
        case 2, 3:
            guard b.count >= 12 else { throw fail("truncated .npy header") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            headerStart = 12
        default:
            throw fail(".npy format version \(major) is not supported")
        }
        guard headerLength <= 1 << 20, headerStart + headerLength <= b.count,
            let header = String(validating: b[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        else { throw fail("bad .npy header length") }
        var parser = NPYHeaderParser(text: header, name: name)
        let (descr, fortran, shape) = try parser.parse()
        guard let count = Self.elementCount(shape), count <= Self.maxElements else { throw .limitExceeded("\(name): array shape \(shape)") }
        let layout = try NPYLayout(descr, name: name)
        let data = b[(headerStart + headerLength)...]
        guard data.count / layout.itemSize == count, data.count % layout.itemSize == 0 else {
            throw fail("\(data.count) data bytes for shape \(shape) of \(layout.itemSize)-byte items")
        }
        var values = layout.read(Array(data), count: count)
        if fortran && shape.count > 1 { values = Self.transposeToC(values, shape: shape) }
        self.shape = shape
        self.values = values
    }

    /// Fortran order → C order.
    private static func transposeToC(_ values: Values, shape: [Int]) -> Values {
        let n = shape.reduce(1, *)
        // C index of the element at Fortran position i.
        var order = [Int](repeating: 0, count: n)
        var index = [Int](repeating: 0, count: shape.count)
        for i in 0..<n {
            var c = 0
            for d in 0..<shape.count { c = c * shape[d] + index[d] }
            order[i] = c
            for d in 0..<shape.count {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
            }
        }
        func permute<T>(_ v: [T]) -> [T] {
            guard let first = v.first else { return v }
            var out = [T](repeating: first, count: n)
            for i in 0..<n { out[order[i]] = v[i] }
            return out
        }
        switch values {
        case .float64(let v): return .float64(permute(v))
        case .float32(let v): return .float32(permute(v))
        case .int64(let v): return .int64(permute(v))
        case .bool(let v): return .bool(permute(v))
        case .string(let v): return .string(permute(v))
        case .objects(let v): return .objects(permute(v))
        case .records(let f): return .records(f.map { ($0.name, transposeToC($0.values, shape: shape)) })
        }
    }
}

/// A dtype description: one scalar kind, or named fields at offsets.
private indirect enum NPYLayout {
    case scalar(kind: Character, size: Int)
    case fields([(name: String, offset: Int, layout: NPYLayout)], size: Int)

    var isPadding: Bool {
        if case .scalar("V", _) = self { return true }
        return false
    }

    var itemSize: Int {
        switch self {
        case .scalar(_, let size): size
        case .fields(_, let size): size
        }
    }

    init(_ descr: NPYHeaderParser.Descr, name: String) throws(ModelFileError) {
        switch descr {
        case .scalar(let text):
            let chars = Array(text)
            guard chars.count >= 3, let size = Int(String(chars[2...])), size > 0, size <= 1 << 16 else {
                throw .unsupported("\(name): numpy dtype \(text)")
            }
            let order = chars[0]
            let kind = chars[1]
            let ok: Bool
            switch kind {
            case "f": ok = (size == 8 || size == 4) && (order == "<" || order == "=")
            case "i", "u": ok = [1, 2, 4, 8].contains(size) && (order == "<" || order == "|" || order == "=")
            case "b": ok = size == 1 && order == "|"
            case "U": ok = order == "<" || order == "|" || order == "="
            case "V": ok = order == "|"  // padding in a structured dtype; never read
            default: ok = false
            }
            guard ok else { throw .unsupported("\(name): numpy dtype \(text)") }
            self = .scalar(kind: kind, size: kind == "U" ? size * 4 : size)
        case .fields(let list):
            var fields: [(String, Int, NPYLayout)] = []
            var offset = 0
            for (fieldName, fieldDescr) in list {
                let layout = try NPYLayout(fieldDescr, name: name)
                fields.append((fieldName, offset, layout))
                offset += layout.itemSize
            }
            guard !fields.isEmpty else { throw .unsupported("\(name): an empty structured dtype") }
            if case .scalar("V", _)? = fields.first?.2, fields.count == 1 { throw .unsupported("\(name): a void dtype") }
            self = .fields(fields, size: offset)
        }
    }

    func read(_ data: [UInt8], count: Int) -> NPYArray.Values {
        read(data, count: count, base: 0, stride: itemSize)
    }

    private func read(_ d: [UInt8], count: Int, base: Int, stride: Int) -> NPYArray.Values {
        func u64(_ p: Int, _ size: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<size { v |= UInt64(d[p + k]) << (8 * UInt64(k)) }
            return v
        }
        switch self {
        case .fields(let fields, _):
            return .records(
                fields.filter { !$0.layout.isPadding }.map {
                    ($0.name, $0.layout.read(d, count: count, base: base + $0.offset, stride: stride))
                })
        case .scalar(let kind, let size):
            switch kind {
            case "f" where size == 8:
                return .float64((0..<count).map { Double(bitPattern: u64(base + $0 * stride, 8)) })
            case "f":
                return .float32((0..<count).map { Float(bitPattern: UInt32(u64(base + $0 * stride, 4))) })
            case "i":
                return .int64(
                    (0..<count).map { i in
                        let raw = u64(base + i * stride, size)
                        let shift = UInt64(64 - 8 * size)
                        return Int64(bitPattern: raw << shift) >> Int64(shift)  // sign-extend
                    })
            case "u":
                return .int64((0..<count).map { Int64(truncatingIfNeeded: u64(base + $0 * stride, size)) })
            case "b":
                return .bool((0..<count).map { d[base + $0 * stride] != 0 })
            default:  // "U": UTF-32 code units, NUL-padded
                return .string(
                    (0..<count).map { i in
                        var s = String.UnicodeScalarView()
                        for k in 0..<(size / 4) {
                            let u = UInt32(truncatingIfNeeded: u64(base + i * stride + 4 * k, 4))
                            if u == 0 { break }
                            s.append(Unicode.Scalar(u) ?? "\u{FFFD}")
                        }
                        return String(s)
                    })
            }
        }
    }
}

/// The header dict numpy writes: `{'descr': ..., 'fortran_order': ..., 'shape': (...), }`.
private struct NPYHeaderParser {
    indirect enum Descr {
        case scalar(String)
        case fields([(String, Descr)])
    }

    let chars: [Character]
    let name: String
    var i = 0

    init(text: String, name: String) {
        chars = Array(text)
        self.name = name
    }

    func fail(_ what: String) -> ModelFileError { .invalidValue(field: name, reason: ".npy header: \(what)") }

    mutating func skip() { while i < chars.count, chars[i] == " " || chars[i] == "\n" { i += 1 } }

    mutating func expect(_ c: Character) throws(ModelFileError) {
        skip()
        guard i < chars.count, chars[i] == c else { throw fail("expected \(c)") }
        i += 1
    }

    mutating func accept(_ c: Character) -> Bool {
        skip()
        if i < chars.count, chars[i] == c {
            i += 1
            return true
        }
        return false
    }

    mutating func string() throws(ModelFileError) -> String {
        skip()
        guard i < chars.count, chars[i] == "'" || chars[i] == "\"" else { throw fail("expected a string") }
        let quote = chars[i]
        i += 1
        let start = i
        while i < chars.count, chars[i] != quote {
            guard chars[i] != "\\" else { throw fail("escapes are not supported") }
            i += 1
        }
        guard i < chars.count else { throw fail("unterminated string") }
        i += 1
        return String(chars[start..<(i - 1)])
    }

    mutating func descr(depth: Int = 0) throws(ModelFileError) -> Descr {
        guard depth < 4 else { throw fail("dtype nested too deep") }
        if accept("[") {
            var fields: [(String, Descr)] = []
            while !accept("]") {
                try expect("(")
                let field = try string()
                try expect(",")
                let type = try descr(depth: depth + 1)
                guard accept(")") else { throw fail("sub-array fields are not supported") }
                fields.append((field, type))
                _ = accept(",")
                guard fields.count <= 64 else { throw fail("too many fields") }
            }
            return .fields(fields)
        }
        return .scalar(try string())
    }

    mutating func parse() throws(ModelFileError) -> (Descr, Bool, [Int]) {
        try expect("{")
        var descr: Descr?
        var fortran: Bool?
        var shape: [Int]?
        while !accept("}") {
            let key = try string()
            try expect(":")
            switch key {
            case "descr": descr = try self.descr()
            case "fortran_order":
                skip()
                if chars[i...].starts(with: "True") {
                    fortran = true
                    i += 4
                } else if chars[i...].starts(with: "False") {
                    fortran = false
                    i += 5
                } else {
                    throw fail("fortran_order must be True or False")
                }
            case "shape":
                try expect("(")
                var dims: [Int] = []
                while !accept(")") {
                    skip()
                    let start = i
                    while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }
                    guard let d = Int(String(chars[start..<i])), dims.count < 32 else { throw fail("bad shape") }
                    dims.append(d)
                    if accept("L") {}
                    _ = accept(",")
                }
                shape = dims
            default:
                throw fail("unexpected key \(key)")
            }
            _ = accept(",")
        }
        guard let descr, let fortran, let shape else { throw fail("descr, fortran_order and shape are required") }
        return (descr, fortran, shape)
    }
}
