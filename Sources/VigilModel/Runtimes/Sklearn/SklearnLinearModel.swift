#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fitted linear model: `X @ coef_.T + intercept_`, then sklearn's output rule.
///
/// * Regressors (`LinearRegression`, `Ridge`, `Lasso`, `ElasticNet`, `SGDRegressor`): the decision.
/// * Classifiers (`LogisticRegression`, `SGDClassifier`): `predict` is `classes_[decision > 0]`
///   (binary) or `classes_[argmax]`; `predict_proba` is `[1 - expit(d), expit(d)]` (binary),
///   `softmax(d)` (multinomial `LogisticRegression`), or expit normalised by its row sum (one-vs-rest
///   `SGDClassifier(loss="log_loss")`); `predict_log_proba` is `log(predict_proba)`.
///
/// numpy computes `X @ coef_.T` with OpenBLAS, whose kernel (and so the order of the sum and
/// whether it fuses multiply-adds) depends on the CPU, on the matrix's memory order and even on a
/// row's position in the batch. Vigil sums in feature order with fused multiply-adds, which is
/// what OpenBLAS's gemm kernels do for a few features; results can differ from the library's in
/// the last bits. Sparse input (from a one-hot encoder) is summed over its non-zeros in column
/// order without fusing, as scipy does. `exp`, `log` are glibc's; numpy's vectorised `exp`/`log`
/// (softmax, log-probabilities) can differ by an ulp.
struct SklearnLinearModel: SklearnEstimator {
    enum Output: Sendable {
        case regression
        case classifier(ClassLabels, proba: Proba?)
    }

    enum Proba: Sendable {
        case logistic
        case oneVsRest
    }

    /// `k × d` row-major.
    let coef: [Double]
    let intercept: [Double]
    let outputs: Int
    let featureCount: Int
    let output: Output

    init(_ o: SkopsObject) throws(ModelFileError) {
        let (shape, c) = try o.doubles("coef_")
        switch shape.count {
        case 1:
            outputs = 1
            featureCount = shape[0]
        case 2:
            outputs = shape[0]
            featureCount = shape[1]
        default:
            throw .invalidValue(field: "\(o.name).coef_", reason: "shape \(shape)")
        }
        coef = c
        let raw = try o.raw("intercept_")
        switch raw {
        case .array(let a):
            guard let v = a.doubles, v.count == outputs || v.count == 1 else {
                throw .invalidValue(field: "\(o.name).intercept_", reason: "wrong size")
            }
            intercept = v.count == outputs ? v : Array(repeating: v[0], count: outputs)
        default:
            intercept = Array(repeating: try o.double("intercept_"), count: outputs)
        }
        guard try o.int("n_features_in_") == featureCount else {
            throw .invalidValue(field: "\(o.name).coef_", reason: "does not match n_features_in_")
        }
        switch o.name {
        case "LinearRegression", "Ridge", "Lasso", "ElasticNet", "SGDRegressor":
            guard outputs == 1 else { throw .unsupported("\(o.name) with several targets") }
            output = .regression
        case "LogisticRegression", "SGDClassifier":
            let labels = try ClassLabels(try o.array("classes_"), field: "\(o.name).classes_")
            guard labels.count >= 2, outputs == (labels.count == 2 ? 1 : labels.count) else {
                throw .invalidValue(field: "\(o.name).coef_", reason: "\(outputs) rows for \(labels.count) classes")
            }
            var proba: Proba?
            if o.name == "LogisticRegression" {
                proba = .logistic
            } else if try o.string("loss") == "log_loss" {
                proba = .oneVsRest
            }
            output = .classifier(labels, proba: proba)
        default:
            throw .unsupported(o.type)
        }
    }

    func supports(_ function: SklearnPredictor.PredictFunction) -> Bool {
        switch (function, output) {
        case (.predict, _): true
        case (_, .classifier(_, let proba)): proba != nil
        default: false
        }
    }

    /// `decision_function`: `rows × outputs`, row-major.
    func decision(_ table: SklearnTable) throws(ScoringError) -> [Double] {
        try checkWidth(table, featureCount, "this linear model")
        let x = try table.matrix(allowNaN: false)
        let rows = table.rowCount
        var out = [Double](repeating: 0, count: rows * outputs)
        for k in 0..<outputs {
            let w = coef[(k * featureCount)..<((k + 1) * featureCount)]
            var sums = [Double](repeating: 0, count: rows)
            for (j, wj) in zip(0..<featureCount, w) {
                let column = x[j]
                if table.isSparse {
                    for r in 0..<rows where column[r] != 0 { sums[r] = sums[r] + column[r] * wj }
                } else {
                    for r in 0..<rows { sums[r] = fma(column[r], wj, sums[r]) }
                }
            }
            for r in 0..<rows { out[r * outputs + k] = sums[r] + intercept[k] }
        }
        return out
    }

    func predict(_ table: SklearnTable, _ function: SklearnPredictor.PredictFunction) throws(ScoringError) -> Predictions {
        let d = try decision(table)
        let rows = table.rowCount
        guard case .classifier(let labels, let proba) = output else { return .doubles(d) }
        if function == .predict {
            if outputs == 1 { return labels.take(d.map { $0 > 0 ? 1 : 0 }) }
            return labels.take(ClassLabels.argmax(d, rows: rows, width: outputs))
        }
        let width = labels.count
        var p = [Double](repeating: 0, count: rows * width)
        if outputs == 1 {
            for r in 0..<rows {
                let e = Self.expit(d[r])
                p[r * 2] = 1 - e
                p[r * 2 + 1] = e
            }
        } else if case .logistic? = proba {
            for r in 0..<rows { Self.softmax(d, row: r, width: width, into: &p) }
        } else {
            // _predict_proba_lr: expit, then divide by the row sum (uniform if all zero).
            for r in 0..<rows {
                var row = (0..<width).map { Self.expit(d[r * width + $0]) }
                var s = NumpySum.sum(row)
                if s == 0 {
                    row = Array(repeating: 1, count: width)
                    s = Double(width)
                }
                for k in 0..<width { p[r * width + k] = row[k] / s }
            }
        }
        if function == .predictLogProba { p = p.map { log($0) } }
        return .doubleMatrix(columns: width, values: p)
    }

    /// sklearn.utils.extmath.softmax of row `r`: subtract the row max, exp, divide by the row sum.
    static func softmax(_ d: [Double], row r: Int, width: Int, into p: inout [Double]) {
        var m = d[r * width]
        for k in 1..<width where d[r * width + k] > m || d[r * width + k].isNaN { m = d[r * width + k] }
        var row = [Double](repeating: 0, count: width)
        for k in 0..<width { row[k] = exp(d[r * width + k] - m) }
        let s = NumpySum.sum(row)
        for k in 0..<width { p[r * width + k] = row[k] / s }
    }

    /// scipy's `expit`: `1 / (1 + exp(-x))`.
    static func expit(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
}

/// numpy's float64 `sum` along a contiguous axis (`pairwise_sum`): in order below 8 values;
/// else eight running sums combined as a tree, then the rest; halves past 128 values.
enum NumpySum {
    static func sum(_ a: [Double]) -> Double {
        a.withUnsafeBufferPointer { sum($0, 0, $0.count) }
    }

    static func sum(_ a: UnsafeBufferPointer<Double>, _ start: Int, _ n: Int) -> Double {
        if n < 8 {
            var res = 0.0
            for i in 0..<n { res += a[start + i] }
            return res
        }
        if n <= 128 {
            var r = (0..<8).map { a[start + $0] }
            var i = 8
            while i < n - n % 8 {
                for j in 0..<8 { r[j] += a[start + i + j] }
                i += 8
            }
            var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n {
                res += a[start + i]
                i += 1
            }
            return res
        }
        var n2 = n / 2
        n2 -= n2 % 8
        return sum(a, start, n2) + sum(a, start + n2, n - n2)
    }
}
