import Synchronization

/// Turns a `Frame` into XGBoost's input: a row-major float32 matrix with one slot per model
/// feature, NaN for a missing value, as `DMatrix(DataFrame)` builds it.
///
/// Columns are matched to the model's `feature_names` by name, once per distinct column list
/// (cached); a frame whose names equal the model's takes a fast path. A model without names
/// reads columns by position.
final class XGBoostFeatures: Sendable {
    let featureNames: [String]?
    let featureCount: Int
    /// Per feature: whether it is categorical (`feature_types` "c").
    let isCategorical: [Bool]
    let categories: XGBoostCategories
    private let identity: [Int]
    private let lastMapping = Mutex<(names: [String], columns: [Int])?>(nil)

    init(model: XGBoostModel) {
        featureNames = model.featureNames
        featureCount = model.featureCount
        isCategorical = (0..<model.featureCount).map { model.featureTypes?[$0] == "c" }
        categories = model.categories
        identity = Array(0..<model.featureCount)
    }

    /// For each model feature, the frame column that holds it (-1: none, the feature is missing).
    func columns(for frame: Frame) throws(ScoringError) -> [Int] {
        guard let featureNames else {
            // DMatrix without names: position; more columns than features is an error.
            guard frame.columns.count <= featureCount else {
                throw .modelError(
                    "XGBoostError: Check failed: learner_model_param_.num_feature >= p_fmat->Info().num_col_ (\(featureCount) vs. \(frame.columns.count)) : Number of columns does not match number of features in booster."
                )
            }
            return (0..<featureCount).map { $0 < frame.columns.count ? $0 : -1 }
        }
        if frame.names == featureNames { return identity }
        if let cached = lastMapping.withLock({ $0 }), cached.names == frame.names { return cached.columns }

        var position: [String: Int] = [:]
        for (i, name) in frame.names.enumerated() where position[name] == nil { position[name] = i }
        let columns = featureNames.map { position[$0] ?? -1 }
        let missing = zip(featureNames, columns).filter { $1 < 0 }.map(\.0)
        guard missing.isEmpty else {
            throw .modelError(
                "ValueError: feature_names mismatch: \(Self.pythonList(featureNames)) \(Self.pythonList(frame.names))\nexpected \(missing.joined(separator: ", ")) in input data"
            )
        }
        lastMapping.withLock { $0 = (frame.names, columns) }
        return columns
    }

    /// Fills `matrix` (`rows.count × featureCount`) with rows `rows` of `frame`, through `columns`.
    func fill(
        _ matrix: UnsafeMutableBufferPointer<Float>, from frame: Frame, rows all: Range<Int>, columns: [Int]
    ) throws(ScoringError) {
        let stride = featureCount
        precondition(matrix.count >= all.count * stride && columns.count == stride)
        precondition(all.lowerBound >= 0 && all.upperBound <= frame.rowCount)
        let rows = all.count
        let first = all.lowerBound
        for f in 0..<stride {
            let c = columns[f]
            guard c >= 0 else {
                for r in 0..<rows { matrix[r * stride + f] = .nan }
                continue
            }
            let column = frame.columns[c]
            guard column.count == frame.rowCount else {
                throw .modelError("ValueError: column \(frame.names[c]) has \(column.count) values for \(frame.rowCount) rows")
            }
            switch column {
            case .double(let values):
                var infinite = false
                for r in 0..<rows {
                    let x = Float(values[first + r])
                    infinite = infinite || x.isInfinite
                    matrix[r * stride + f] = x
                }
                if infinite {
                    throw .modelError(
                        "XGBoostError: Check failed: valid: Input data contains `inf` or a value too large, while `missing` is not set to `inf`"
                    )
                }
            case .int64(let values):
                for r in 0..<rows { matrix[r * stride + f] = Float(values[first + r]) }
            case .bool(let values):
                for r in 0..<rows { matrix[r * stride + f] = values[first + r] ? 1 : 0 }
            case .bytes, .datetime, .object:
                let dtype = if case .datetime = column { "datetime64[ns]" } else { "object" }
                throw .modelError(
                    "ValueError: DataFrame.dtypes for data must be int, float, bool or category. Invalid columns:\(frame.names[c]): \(dtype)"
                )
            case .string(let values):
                guard isCategorical[f] else {
                    throw .modelError(
                        "ValueError: DataFrame.dtypes for data must be int, float, bool or category. Invalid columns:\(frame.names[c]): object"
                    )
                }
                guard categories.hasNames(feature: f) else {
                    throw .modelError(
                        "ValueError: the model stores no category names for feature \(f) (\(frame.names[c])); send category codes"
                    )
                }
                for r in 0..<rows {
                    guard let name = values[first + r] else {
                        matrix[r * stride + f] = .nan
                        continue
                    }
                    guard let code = categories.code(of: name, feature: f) else {
                        throw .modelError(
                            "XGBoostError: Found a category not in the training set for the \(f)th (0-based) column: `\(name)`"
                        )
                    }
                    matrix[r * stride + f] = Float(code)
                }
            }
        }
    }

    /// `repr(list_of_str)` as Python prints it, for error text.
    static func pythonList(_ items: [String]) -> String {
        "[" + items.map(pythonString).joined(separator: ", ") + "]"
    }

    private static func pythonString(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for ch in s {
            switch ch {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case quote: out += "\\\(quote)"
            default: out.append(ch)
            }
        }
        out.append(quote)
        return out
    }
}
