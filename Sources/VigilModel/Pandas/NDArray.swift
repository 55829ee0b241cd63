/// A numpy array (row-major values and a shape; an empty shape is a numpy scalar), as MLflow's
/// `inputs` / `instances` parsing builds them with `np.array(data, dtype)`.
package struct NDArray: Sendable, Equatable {
    package var values: PyArray
    package var shape: [Int]

    package init(values: PyArray, shape: [Int]) {
        self.values = values
        self.shape = shape
    }

    package var isScalar: Bool { shape.isEmpty }
    package var ndim: Int { shape.count }

    /// numpy's dtype text for messages: `float64`, `<U3`, `object`.
    package var dtypeName: String {
        switch values {
        case .str(let v): "<U\(v.map { $0?.unicodeScalars.count ?? 3 }.max() ?? 1)"
        case .bytes(let v): "|S\(v.map(\.count).max() ?? 1)"
        default: values.dtypeName
        }
    }

    // MARK: np.array(data, dtype)

    /// `np.array(data, dtype=type.to_numpy())`, or `np.array(data)` when `type` is nil.
    package static func make(_ data: JSONValue, type: DataType?) throws(PandasError) -> NDArray {
        var flat: [JSONValue] = []
        let shape = try Self.shape(of: data, into: &flat)
        guard let type else { return NDArray(values: inferNumpy(flat), shape: shape) }
        let source = PyArray.object(flat)
        switch type {
        case .string:
            return NDArray(values: .str(flat.map { PythonRepr.str($0) }), shape: shape)
        case .boolean:
            return NDArray(values: .bool(flat.map(\.pythonTruth)), shape: shape)
        case .double, .float, .long, .integer:
            // np.array(None-containing data, float) gives NaN where astype would refuse.
            if type == .double || type == .float {
                var out: [Double] = []
                for v in flat { out.append(v.isNull ? .nan : try PythonConversions.float(v)) }
                return NDArray(values: type == .double ? .float64(out) : .float32(out.map { Float($0) }), shape: shape)
            }
            return NDArray(values: try source.cast(to: type), shape: shape)
        case .binary:
            return NDArray(values: .bytes(flat.map { Array(PythonRepr.str($0).utf8) }), shape: shape)
        case .datetime:
            return NDArray(values: try source.cast(to: .datetime), shape: shape)
        }
    }

    /// The numpy shape of nested lists, flattening the leaves into `flat`; ragged nesting fails
    /// like numpy 2 does.
    private static func shape(of data: JSONValue, into flat: inout [JSONValue]) throws(PandasError) -> [Int] {
        guard case .array(let items) = data else {
            flat.append(data)
            return []
        }
        if items.isEmpty { return [0] }
        var inner: [Int]? = nil
        for item in items {
            let s = try shape(of: item, into: &flat)
            if let inner, inner != s {
                throw PandasError(
                    "ValueError",
                    "setting an array element with a sequence. The requested array has an inhomogeneous shape after 1 dimensions. The detected shape was (\(items.count),) + inhomogeneous part.")
            }
            inner = s
        }
        return [items.count] + (inner ?? [])
    }

    /// `np.array(values)` without a dtype.
    private static func inferNumpy(_ values: [JSONValue]) -> PyArray {
        if values.isEmpty { return .float64([]) }
        let hasNone = values.contains { $0.isNull || $0.arrayValue != nil || $0.objectValue != nil }
        if hasNone { return .object(values) }
        if values.allSatisfy({ if case .bool = $0 { true } else { false } }) {
            return .bool(values.map(\.pythonTruth))
        }
        if values.contains(where: { $0.stringValue != nil }) {
            return .str(values.map { PythonRepr.str($0) })
        }
        if values.contains(where: { if case .bigInt = $0 { true } else { false } }) { return .object(values) }
        if values.contains(where: { if case .double = $0 { true } else { false } }) {
            return .float64(values.map { $0.asDouble ?? .nan })
        }
        return .int64(values.map { if case .int(let i) = $0 { i } else if case .bool(let b) = $0 { b ? 1 : 0 } else { 0 } })
    }

    // MARK: repr / str

    /// `str(array)` (`[1. 2.]`), or `str(scalar)` (`3.0`) for a numpy scalar.
    package var pythonStr: String {
        if isScalar { return scalarText(repr: false) }
        return NumpyFormatter(self).array2string(separator: " ", prefix: "")
    }

    /// `repr(array)` (`array([1., 2.])`), or `repr(scalar)` (`np.float64(3.0)`) for a numpy scalar.
    package var pythonRepr: String {
        if isScalar { return scalarText(repr: true) }
        let formatter = NumpyFormatter(self)
        let impliedDtype: Bool
        switch values {
        case .float64, .int64, .bool: impliedDtype = values.count > 0
        default: impliedDtype = false
        }
        let dtypeText = impliedDtype ? "" : ", dtype=\(dtypeRepr)"
        var body = formatter.array2string(separator: ", ", prefix: "array(", suffixLength: dtypeText.isEmpty ? 1 : 0)
        if !dtypeText.isEmpty {
            let lastLine = body.split(separator: "\n", omittingEmptySubsequences: false).last.map(String.init) ?? body
            if ("array(" + lastLine).count + dtypeText.count + 1 > 75 && body.contains("\n") || lastLine.count + dtypeText.count + 1 + 6 > 75 {
                body += ",\n" + String(repeating: " ", count: 6) + String(dtypeText.dropFirst(2))
                return "array(" + body + ")"
            }
        }
        return "array(" + body + dtypeText + ")"
    }

    private var dtypeRepr: String {
        switch values {
        case .str, .bytes: "'\(dtypeName)'"
        case .datetime: "'datetime64[ns]'"
        default: dtypeName
        }
    }

    private func scalarText(repr: Bool) -> String {
        let v = values.element(0)
        let text: String
        switch values {
        case .float32(let f): text = PythonRepr.float32(f[0])
        case .bool(let b): text = b[0] ? "True" : "False"
        case .str(let s): text = repr ? PythonRepr.string(s[0] ?? "") : (s[0] ?? "")
        default: text = repr ? PythonRepr.repr(v) : PythonRepr.str(v)
        }
        guard repr else { return text }
        switch values {
        case .float64: return "np.float64(\(text))"
        case .float32: return "np.float32(\(text))"
        case .int64: return "np.int64(\(text))"
        case .int32: return "np.int32(\(text))"
        case .uint64: return "np.uint64(\(text))"
        case .bool: return "np.\(text)_"
        case .str: return "np.str_(\(text))"
        default: return text
        }
    }
}

extension PythonRepr {
    /// `str(np.float32(x))`: the shortest digits that round-trip through float32.
    package static func float32(_ x: Float) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        // Swift's Float description is the shortest round-trip form; reformat it like Python.
        let d = Double(x.description) ?? Double(x)
        return float(d)
    }
}
