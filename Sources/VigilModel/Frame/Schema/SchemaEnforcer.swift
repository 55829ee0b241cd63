/// `_enforce_schema` (`mlflow/models/utils.py`): what `PyFuncModel.predict` does with the parsed
/// input before calling the model — build a DataFrame, check for missing columns, drop extra
/// ones, put the rest in signature order and check each column's type.
enum SchemaEnforcer {
    /// The enforced input, or the failure's message (`str(e)` of what MLflow raised).
    static func enforce(_ input: PyValue, schema: Schema) throws(EnforcementFailure) -> PyValue {
        var frame: PandasFrame
        switch schema {
        case .tensors(let specs):
            if specs.first?.name != nil {
                let names = specs.map { $0.name! }
                var actual: [String] = []
                switch input {
                case .dict(let pairs): actual = pairs.map(\.0)
                case .frame(let f): actual = f.labels.compactMap(\.stringValue)
                default: break
                }
                let missing = names.filter { !actual.contains($0) }
                if !missing.isEmpty, actual.count > 0 || input.isDictOrFrame {
                    var message = "Model is missing inputs \(PythonRepr.list(missing.map { .string($0) }))."
                    let extra = actual.filter { !names.contains($0) }
                    if !extra.isEmpty { message += " Note that there were extra inputs: \(PythonRepr.list(extra.map { .string($0) }))." }
                    throw EnforcementFailure(message)
                }
            }
            return try TensorEnforcement.enforce(input, specs: specs)
        case .columns(let specs):
            frame = try dataFrame(from: input, specs: specs)
            if specs.first?.name != nil {
                let positions = frame.firstPositions(of: specs.map { $0.name! }).positions
                let missing = zip(specs, positions).filter { $0.required && $1 < 0 }.map { $0.0.name! }
                if !missing.isEmpty {
                    let required = specs.filter(\.required).map { $0.name! }
                    let optional = specs.filter { !$0.required }.map { $0.name! }
                    var extra: [JSONValue] = []
                    for l in frame.labels where !extra.contains(l) {
                        if case .string(let s) = l, required.contains(s) || optional.contains(s) { continue }
                        extra.append(l)
                    }
                    // Python lists these from a set: small ints come out sorted, strings in hash order.
                    if extra.allSatisfy({ if case .int = $0 { true } else { false } }) {
                        extra.sort { if case .int(let a) = $0, case .int(let b) = $1 { a < b } else { false } }
                    }
                    var message = "Model is missing inputs \(PythonRepr.list(missing.map { .string($0) }))."
                    if !extra.isEmpty { message += " Note that there were extra inputs: \(PythonRepr.list(extra))." }
                    throw EnforcementFailure(message)
                }
                return .frame(try namedColumns(frame, specs: specs, positions: positions))
            }
            if frame.columns.count < specs.count {
                throw EnforcementFailure(
                    "Model inference is missing inputs. The model signature declares \(specs.count) inputs  but the provided value only has \(frame.columns.count) inputs. Note: the inputs were not named in the signature so we can only verify their count.")
            }
            return .frame(try unnamedColumns(frame, specs: specs))
        }
    }

    /// The DataFrame `_enforce_schema` builds from whatever the request parsed into.
    static func dataFrame(from input: PyValue, specs: [ColSpec]) throws(EnforcementFailure) -> PandasFrame {
        switch input {
        case .frame(let f):
            return f
        case .ndarray(let a) where a.isScalar:
            return PandasFrame(labels: [.int(0)], columns: [a.values], index: .range(1))
        case .json(let v) where v.isScalar:
            return PandasFrame(labels: [.int(0)], columns: [PyArray.infer([v])], index: .range(1))
        case .ndarray(let a):
            return frame(fromArray: a)
        case .list(let items):
            return try frame(fromList: items.map { $0 })
        case .json(.array(let items)):
            return try frame(fromList: items.map { PyValue.json($0) })
        case .dict(let pairs):
            return try frame(fromDict: pairs, specs: specs)
        case .json(.object(let o)):
            return try frame(fromDict: o.pairs.map { ($0, PyValue.json($1)) }, specs: specs)
        case .json(let v):
            throw EnforcementFailure("Expected input to be DataFrame. Found: \(v.pythonTypeName)")
        }
    }

    /// `pd.DataFrame(ndarray)`: columns 0…n-1.
    static func frame(fromArray a: NDArray) -> PandasFrame {
        if a.ndim == 1 {
            return PandasFrame(labels: [.int(0)], columns: [a.values], index: .range(a.shape[0]))
        }
        let rows = a.shape[0]
        let width = a.shape.dropFirst().reduce(1, *)
        var columns: [PyArray] = []
        for c in 0..<width {
            columns.append(a.values.take((0..<rows).map { $0 * width + c }))
        }
        return PandasFrame(labels: (0..<width).map { .int(Int64($0)) }, columns: columns, index: .range(rows))
    }

    /// `pd.DataFrame(list)`: records when the items are dicts, rows or one column otherwise.
    static func frame(fromList items: [PyValue]) throws(EnforcementFailure) -> PandasFrame {
        var plain: [JSONValue] = []
        for item in items {
            guard let j = item.asJSON else {
                if case .ndarray(let a) = item, let v = a.rowJSON { plain.append(v); continue }
                throw EnforcementFailure("This model contains a column-based signature, which suggests a DataFrame input.")
            }
            plain.append(j)
        }
        do {
            return try PandasFrame.make(data: .array(plain), columns: nil, index: nil)
        } catch {
            throw EnforcementFailure(error.message)
        }
    }

    /// `pd.DataFrame([d])` for scalar values, else `pd.DataFrame(d)` with arrays as columns.
    static func frame(fromDict pairs: [(String, PyValue)], specs: [ColSpec]) throws(EnforcementFailure) -> PandasFrame {
        let jsonShaped = specs.contains {
            switch $0.type {
            case .array, .object: true
            default: false
            }
        }
        let allScalar = pairs.allSatisfy { _, v in
            if v.isScalarOrNone { return true }
            if case .json(.array(let items)) = v { return items.allSatisfy { $0.stringValue != nil } }
            return false
        }
        if jsonShaped || allScalar {
            var columns: [PyArray] = []
            for (_, v) in pairs {
                if case .ndarray(let a) = v, a.isScalar {
                    columns.append(a.values)
                } else {
                    columns.append(PyArray.infer([v.asJSON ?? .null]))
                }
            }
            return PandasFrame(labels: pairs.map { .string($0.0) }, columns: columns, index: .range(1))
        }
        var labels: [JSONValue] = []
        var columns: [PyArray] = []
        var length: Int? = nil
        for (k, v) in pairs {
            let column: PyArray
            switch v {
            case .ndarray(let a) where a.ndim == 1:
                column = a.values
            case .ndarray(let a) where a.ndim > 1:
                let rows = a.shape[0]
                let per = a.values.count / max(rows, 1)
                column = .object((0..<rows).map { r in
                    a.rowJSON(r, width: per) ?? .null
                })
            case .json(.array(let items)):
                column = PyArray.infer(items)
            default:
                column = PyArray.infer([v.asJSON ?? .null])
                if length == nil { break }
                labels.append(.string(k))
                columns.append(PyArray.infer(Array(repeating: v.asJSON ?? .null, count: length!)))
                continue
            }
            if let length, length != column.count {
                throw EnforcementFailure(
                    "This model contains a column-based signature, which suggests a DataFrame input. There was an error casting the input data to a DataFrame: All arrays must be of the same length")
            }
            length = column.count
            labels.append(.string(k))
            columns.append(column)
        }
        return PandasFrame(labels: labels, columns: columns, index: .range(length ?? 0))
    }

    /// `_enforce_named_col_schema`: schema columns only, in schema order, each type-checked.
    static func namedColumns(_ frame: PandasFrame, specs: [ColSpec], positions: [Int]) throws(EnforcementFailure) -> PandasFrame {
        var labels: [JSONValue] = []
        var columns: [PyArray] = []
        labels.reserveCapacity(specs.count)
        columns.reserveCapacity(specs.count)
        for (spec, p) in zip(specs, positions) where p >= 0 {
            let name = spec.name!
            labels.append(.string(name))
            columns.append(try enforceColumn(name: name, frame.columns[p], spec))
        }
        return PandasFrame(labels: labels, columns: columns, index: frame.index)
    }

    /// `_enforce_unnamed_col_schema`: the first n columns, positionally.
    static func unnamedColumns(_ frame: PandasFrame, specs: [ColSpec]) throws(EnforcementFailure) -> PandasFrame {
        var columns: [PyArray] = []
        for (i, spec) in specs.enumerated() {
            columns.append(try enforceColumn(name: PandasRepr.label(frame.labels[i]), frame.columns[i], spec))
        }
        return PandasFrame(labels: Array(frame.labels.prefix(specs.count)), columns: columns, index: frame.index)
    }

    private static func enforceColumn(name: String, _ column: PyArray, _ spec: ColSpec) throws(EnforcementFailure) -> PyArray {
        do {
            if case .scalar(let t) = spec.type { return try enforceDatatype(name: name, column, t) }
            var out: [JSONValue] = []
            for i in 0..<column.count {
                out.append(try JSONTypeEnforcement.enforce(column.element(i), spec.type, required: spec.required))
            }
            return .object(out)
        } catch {
            var failure = error
            failure.column = failure.column ?? spec.name
            throw failure
        }
    }

    /// `_enforce_mlflow_datatype`: allowed conversions (int → long, float32 → double, int32 → double,
    /// 0/1 int64 → double, object → string, …); anything else is refused.
    static func enforceDatatype(name: String, _ input: PyArray, _ t: DataType) throws(EnforcementFailure) -> PyArray {
        var values = input
        if case .object(let cells) = values, t != .binary && t != .string { values = PyArray.infer(cells) }
        switch (t, values) {
        case (.string, .object), (.string, .str), (.string, .bytes), (.binary, .str), (.binary, .object), (.binary, .bytes):
            return values
        case (.double, .float64), (.float, .float32), (.long, .int64), (.integer, .int32), (.boolean, .bool), (.datetime, .datetime):
            return values
        case (.datetime, .object), (.datetime, .str):
            do {
                return try values.cast(to: .datetime)
            } catch {
                throw EnforcementFailure("Failed to convert column \(name) from type \(values.dtypeName) to \(t.rawValue).")
            }
        case (.boolean, .object):
            return values
        default:
            break
        }
        let upcast: Bool
        switch (values, t) {
        case (.float32, .double), (.int32, .long), (.int32, .double), (.bool, .boolean): upcast = true
        default: upcast = false
        }
        if upcast {
            do { return try values.cast(to: t) } catch { throw EnforcementFailure(error.message) }
        }
        if case .int64(let v) = values, t == .double || t == .float, v.allSatisfy({ $0 == 0 || $0 == 1 }) {
            do { return try values.cast(to: t) } catch { throw EnforcementFailure(error.message) }
        }
        var hint = ""
        if case .float64(let v) = values, t == .long || t == .integer, v.contains(where: \.isNaN),
            v.allSatisfy({ $0.isNaN || $0.rounded(.towardZero) == $0 })
        {
            hint =
                " Hint: the type mismatch is likely caused by missing values. Integer columns in python can not represent missing values and are therefore encoded as floats. The best way to avoid this problem is to infer the model schema based on a realistic data sample (training dataset) that includes missing values. Alternatively, you can declare integer columns as doubles (float64) whenever these columns may have missing values. See `Handling Integers With Missing Values <https://www.mlflow.org/docs/latest/models.html#handling-integers-with-missing-values>`_ for more details."
        }
        throw EnforcementFailure(
            "Incompatible input types for column \(name). Can not safely convert \(values.dtypeName) to \(t.numpyName).\(hint)")
    }
}

extension NDArray {
    /// A 1-D array as a Python list.
    var rowJSON: JSONValue? {
        guard ndim == 1 else { return nil }
        return .array((0..<values.count).map { values.element($0) })
    }

    /// Row `r` (of `width` values) as a nested Python list.
    func rowJSON(_ r: Int, width: Int) -> JSONValue? {
        .array((0..<width).map { values.element(r * width + $0) })
    }
}

extension PyValue {
    var isDictOrFrame: Bool {
        switch self {
        case .dict, .frame: true
        default: false
        }
    }

    /// The class path Python prints in `<class '…'>`.
    var pythonClassPath: String {
        switch self {
        case .frame: "pandas.DataFrame"
        case .ndarray(let a): a.isScalar ? "numpy.\(pythonTypeName)" : "numpy.ndarray"
        default: pythonTypeName
        }
    }
}
