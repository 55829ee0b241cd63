/// `_enforce_tensor_schema` for tensor signatures.
enum TensorEnforcement {
    static func enforce(_ input: PyValue, specs: [TensorSpec]) throws(EnforcementFailure) -> PyValue {
        if specs.first?.name != nil {
            switch input {
            case .dict(let pairs):
                var out: [(String, PyValue)] = []
                for spec in specs {
                    guard let value = pairs.first(where: { $0.0 == spec.name })?.1 else {
                        throw EnforcementFailure(PythonRepr.string(spec.name!))
                    }
                    guard case .ndarray(let a) = value else {
                        throw EnforcementFailure(
                            "This model contains a tensor-based model signature with input names, which suggests a dictionary input mapping input name to a numpy array, but a dict with value type <class '\(value.pythonTypeName)'> was found.")
                    }
                    out.append((spec.name!, .ndarray(try check(a, spec))))
                }
                return .dict(out)
            case .frame(let f):
                var out: [(String, PyValue)] = []
                for spec in specs {
                    guard let p = f.positions(of: spec.name!).first else { throw EnforcementFailure(PythonRepr.string(spec.name!)) }
                    out.append((spec.name!, .ndarray(try column(f.columns[p], name: spec.name, spec))))
                }
                return .dict(out)
            default:
                throw EnforcementFailure(
                    "This model contains a tensor-based model signature with input names, which suggests a dictionary input mapping input name to tensor, or a pandas DataFrame input containing columns mapping input name to flattened list value from tensor, but an input of type <class '\(input.pythonClassPath)'> was found.")
            }
        }
        let spec = specs[0]
        switch input {
        case .frame(let f):
            if f.isEmpty { throw EnforcementFailure("Input DataFrame is empty.") }
            if f.columns.count == 1 { return .ndarray(try column(f.columns[0], name: nil, spec)) }
            guard spec.shape == [-1, f.columns.count] else {
                throw EnforcementFailure(
                    "This model contains a model signature with an unnamed input. Since the input data is a pandas DataFrame containing multiple columns, the input shape must be of the structure (-1, number_of_dataframe_columns). Instead, the input DataFrame passed had \(f.columns.count) columns and an input shape of \(PythonRepr.tuple(spec.shape)) with all values within the DataFrame of scalar type. Please adjust the passed in DataFrame to match the expected structure")
            }
            return .ndarray(try check(toNumpy(f), spec))
        case .ndarray(let a):
            return .ndarray(try check(a, spec))
        default:
            throw EnforcementFailure(
                "This model contains a tensor-based model signature with no input names, which suggests a numpy array input or a pandas dataframe input with proper column values, but an input of type <class '\(input.pythonClassPath)'> was found.")
        }
    }

    /// `_enforce_tensor_spec`: shape (with -1 wildcards) and exact dtype.
    static func check(_ a: NDArray, _ spec: TensorSpec) throws(EnforcementFailure) -> NDArray {
        if spec.shape == [-1] && spec.dtype == "object" { return a }
        let mismatch = EnforcementFailure(
            "Shape of input \(PythonRepr.tuple(a.shape)) does not match expected shape \(PythonRepr.tuple(spec.shape)).")
        guard a.shape.count == spec.shape.count else { throw mismatch }
        for (e, s) in zip(spec.shape, a.shape) where e != -1 && e != s { throw mismatch }
        let actual = a.values.dtypeName == "str" ? a.dtypeName : a.values.dtypeName
        if actual != spec.dtype {
            throw EnforcementFailure("dtype of input \(actual) does not match expected dtype \(spec.dtype)")
        }
        return a
    }

    /// `_reshape_and_cast_pandas_column_values` for a column of scalars.
    static func column(_ values: PyArray, name: String?, _ spec: TensorSpec) throws(EnforcementFailure) -> NDArray {
        guard spec.shape.first == -1, !spec.shape.dropFirst().contains(-1) else {
            throw EnforcementFailure(
                "For pandas dataframe input, the first dimension of shape must be a variable dimension and other dimensions must be fixed, but in model signature the shape of \(name.map { "input " + $0 } ?? "the unnamed input") is \(PythonRepr.tuple(spec.shape)).")
        }
        guard spec.shape == [-1] || spec.shape == [-1, 1] else {
            throw EnforcementFailure(
                "The input pandas dataframe column '\(name ?? "None")' contains scalar values, which requires the shape to be (-1,) or (-1, 1), but got tensor spec shape of \(PythonRepr.tuple(spec.shape)).")
        }
        var cast = values
        if let t = DataType(numpyName: spec.dtype) {
            do { cast = try values.cast(to: t) } catch { throw EnforcementFailure(error.message) }
        }
        let shape = spec.shape == [-1] ? [values.count] : [values.count, 1]
        return try check(NDArray(values: cast, shape: shape), spec)
    }

    /// `DataFrame.to_numpy()`: one common dtype for all columns.
    static func toNumpy(_ f: PandasFrame) -> NDArray {
        let rows = f.rowCount
        let width = f.columns.count
        let allNumeric = f.columns.allSatisfy { $0.isNumeric && $0.dtypeName != "bool" }
        let allInt = f.columns.allSatisfy { $0.dtypeName == "int64" }
        let allBool = f.columns.allSatisfy { $0.dtypeName == "bool" }
        let allFloat32 = f.columns.allSatisfy { $0.dtypeName == "float32" }
        var values: PyArray
        if allInt {
            var out: [Int64] = []
            for r in 0..<rows { for c in 0..<width { if case .int(let v) = f.columns[c].element(r) { out.append(v) } else { out.append(0) } } }
            values = .int64(out)
        } else if allBool {
            values = .bool((0..<(rows * width)).map { f.columns[$0 % width].element($0 / width).pythonTruth })
        } else if allFloat32 {
            values = .float32((0..<(rows * width)).map { Float(f.columns[$0 % width].element($0 / width).asDouble ?? .nan) })
        } else if allNumeric {
            values = .float64((0..<(rows * width)).map { f.columns[$0 % width].element($0 / width).asDouble ?? .nan })
        } else {
            values = .object((0..<(rows * width)).map { f.columns[$0 % width].element($0 / width) })
        }
        return NDArray(values: values, shape: [rows, width])
    }
}
