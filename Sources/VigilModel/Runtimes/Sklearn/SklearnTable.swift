/// The rows flowing through a scikit-learn pipeline: columns of float64 or of Python objects
/// (strings; nil is None or NaN), as a pandas DataFrame or numpy array would hold them.
struct SklearnTable {
    enum Column {
        case numbers([Double])
        case strings([String?])
    }

    var columns: [Column]
    /// Column names when the rows still carry them (a DataFrame); nil after a numpy step.
    var names: [String]?
    var rowCount: Int
    /// The values came out of a scipy sparse matrix (OneHotEncoder's default output, or a
    /// ColumnTransformer whose `sparse_output_` is set): linear models then sum only non-zeros.
    var isSparse = false

    init(columns: [Column], names: [String]?, rowCount: Int, isSparse: Bool = false) {
        self.columns = columns
        self.names = names
        self.rowCount = rowCount
        self.isSparse = isSparse
    }

    /// The frame's columns, by name in `featureNames` order if given (sklearn checks that the
    /// names are the fitted ones), else by position.
    init(frame: Frame, featureNames: [String]?, featureCount: Int?) throws(ScoringError) {
        var order = Array(frame.columns.indices)
        if let featureNames {
            var position: [String: Int] = [:]
            for (i, name) in frame.names.enumerated() where position[name] == nil { position[name] = i }
            let missing = featureNames.filter { position[$0] == nil }
            guard missing.isEmpty else {
                throw .modelError(
                    "ValueError: The feature names should match those that were passed during fit.\nFeature names seen at fit time, yet now missing:\n- "
                        + missing.joined(separator: "\n- "))
            }
            order = featureNames.map { position[$0] ?? 0 }
        } else if let featureCount, featureCount != frame.columns.count {
            throw .modelError(
                "ValueError: X has \(frame.columns.count) features, but this model is expecting \(featureCount) features as input.")
        }
        columns = []
        for c in order {
            let column = frame.columns[c]
            guard column.count == frame.rowCount else {
                throw .modelError("ValueError: column \(frame.names[c]) has \(column.count) values for \(frame.rowCount) rows")
            }
            switch column {
            case .double(let v): columns.append(.numbers(v))
            case .int64(let v): columns.append(.numbers(v.map(Double.init)))
            case .bool(let v): columns.append(.numbers(v.map { $0 ? 1 : 0 }))
            case .string(let v): columns.append(.strings(v))
            case .bytes, .datetime, .object:
                throw .modelError("ValueError: could not convert column \(frame.names[c]) to a number or a string")
            }
        }
        names = featureNames ?? frame.names
        rowCount = frame.rowCount
    }

    /// Column `c` as float64 (`np.asarray(X, dtype=float64)`): strings are parsed as Python's
    /// `float()` would (a non-number is an error); None becomes NaN.
    func numbers(_ c: Int) throws(ScoringError) -> [Double] {
        switch columns[c] {
        case .numbers(let v): return v
        case .strings(let v):
            var out: [Double] = []
            out.reserveCapacity(v.count)
            for s in v {
                guard let s else {
                    out.append(.nan)
                    continue
                }
                guard let x = Self.pythonFloat(s) else { throw .modelError("ValueError: could not convert string to float: '\(s)'") }
                out.append(x)
            }
            return out
        }
    }

    /// All columns as float64, checked like `check_array(ensure_all_finite=...)`.
    func matrix(allowNaN: Bool) throws(ScoringError) -> [[Double]] {
        var out: [[Double]] = []
        for c in columns.indices {
            let v = try numbers(c)
            for x in v where !x.isFinite {
                if x.isNaN {
                    if allowNaN { continue }
                    throw .modelError("ValueError: Input X contains NaN.")
                }
                throw .modelError("ValueError: Input X contains infinity or a value too large for dtype('float64').")
            }
            out.append(v)
        }
        return out
    }

    /// Python's `float(str)`: surrounding whitespace, `nan`, `inf`, `infinity`, underscores between digits.
    static func pythonFloat(_ text: String) -> Double? {
        let trimmed = text.trimmingWhitespace
        switch trimmed.lowercased() {
        case "nan", "+nan", "-nan": return .nan
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: break
        }
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE_".contains($0)) }) else { return nil }
        return Double(String(trimmed.filter { $0 != "_" }))
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
