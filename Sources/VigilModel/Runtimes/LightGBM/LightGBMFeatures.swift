import Synchronization

/// Turns a `Frame` into the evaluator's rows for a `LightGBMModel`: row-major doubles, one slot
/// per `model.inputs` entry, each derived from a model feature the way LightGBM reads it.
///
/// Columns are matched to `feature_names` by name when the frame holds every name (MLflow's
/// schema enforcement hands over the signature's columns, which are the training columns), else
/// by position, as `Booster.predict(DataFrame)` itself does (it never checks names); a frame with
/// another column count is refused with LightGBM's error.
///
/// Values: doubles as they are, integers and booleans as doubles (pandas → float64). A string
/// column is accepted only for a feature that a pandas categorical fed at training: it is mapped
/// through `pandas_categorical` to the category's code, and an unknown or missing string becomes
/// NaN (pandas `set_categories` then `codes`, -1 → NaN).
final class LightGBMFeatures: Sendable {
    let featureNames: [String]
    let inputs: [LightGBMModel.Input]
    let categoryCodes: [Int: [String: Int]]
    private let identity: [Int]
    private let lastMapping = Mutex<(names: [String], columns: [Int])?>(nil)

    init(model: LightGBMModel) {
        featureNames = model.featureNames
        inputs = model.inputs
        var codes: [Int: [String: Int]] = [:]
        for (feature, names) in model.categoryNames {
            var map: [String: Int] = [:]
            for (code, name) in names.enumerated() where map[name] == nil { map[name] = code }
            codes[feature] = map
        }
        categoryCodes = codes
        identity = Array(0..<model.featureCount)
    }

    var featureCount: Int { featureNames.count }

    /// For each model feature, the frame column that holds it.
    func columns(for frame: Frame) throws(ScoringError) -> [Int] {
        if frame.names == featureNames { return identity }
        if let cached = lastMapping.withLock({ $0 }), cached.names == frame.names { return cached.columns }
        var position: [String: Int] = [:]
        for (i, name) in frame.names.enumerated() where position[name] == nil { position[name] = i }
        var columns = featureNames.map { position[$0] ?? -1 }
        if columns.contains(-1) {
            guard frame.columns.count == featureCount else {
                throw .modelError(
                    "lightgbm.basic.LightGBMError: The number of features in data (\(frame.columns.count)) is not the same as it was in training data (\(featureCount)).\nYou can set ``predict_disable_shape_check=true`` to discard this error, but please be aware what you are doing."
                )
            }
            columns = identity
        }
        lastMapping.withLock { $0 = (frame.names, columns) }
        return columns
    }

    /// Fills `matrix` (`rows.count × inputs.count`) with rows `rows` of `frame`.
    func fill(
        _ matrix: UnsafeMutableBufferPointer<Double>, from frame: Frame, rows all: Range<Int>, columns: [Int]
    ) throws(ScoringError) {
        let stride = inputs.count
        precondition(matrix.count >= all.count * stride && columns.count == featureCount)
        precondition(all.lowerBound >= 0 && all.upperBound <= frame.rowCount)
        let rows = all.count
        let first = all.lowerBound
        let zero = LightGBMModel.zeroThreshold
        for (s, input) in inputs.enumerated() {
            let c = columns[input.feature]
            let column = frame.columns[c]
            guard column.count == frame.rowCount else {
                throw .modelError("ValueError: column \(frame.names[c]) has \(column.count) values for \(frame.rowCount) rows")
            }
            @inline(__always) func put(_ r: Int, _ raw: Double) {
                // RowPairFunctionFromDenseMatric: |x| <= kZeroThreshold reads as 0.0.
                let x = raw.magnitude <= zero ? 0 : raw
                let v: Double
                switch input.transform {
                case .value: v = x
                case .zeroAsMissing: v = x == 0 ? .nan : x
                case .category: v = x.isNaN ? x : (x > -1 && x < 2_147_483_648 ? x.rounded(.towardZero) : -1)
                }
                matrix[r * stride + s] = v
            }
            switch column {
            case .double(let values):
                for r in 0..<rows { put(r, values[first + r]) }
            case .int64(let values):
                for r in 0..<rows { put(r, Double(values[first + r])) }
            case .bool(let values):
                for r in 0..<rows { put(r, values[first + r] ? 1 : 0) }
            case .string(let values):
                guard let codes = categoryCodes[input.feature] else {
                    throw .modelError(
                        "ValueError: pandas dtypes must be int, float or bool.\nFields with bad pandas dtypes: \(frame.names[c]): object")
                }
                for r in 0..<rows {
                    let code = values[first + r].flatMap { codes[$0] }
                    put(r, code.map(Double.init) ?? .nan)
                }
            case .bytes, .datetime, .object:
                let dtype = if case .datetime = column { "datetime64[ns]" } else { "object" }
                throw .modelError(
                    "ValueError: pandas dtypes must be int, float or bool.\nFields with bad pandas dtypes: \(frame.names[c]): \(dtype)")
            }
        }
    }
}
