/// A loaded model that turns a batch of rows into predictions.
///
/// `predict` is synchronous CPU work: it never blocks on I/O and is safe to call from many
/// threads at once.
package protocol Predictor: Sendable {
    /// The flavor it serves (`xgboost`, `lightgbm`, `sklearn`, `python_function`).
    var flavor: String { get }
    /// `native` or `python`.
    var runtime: String { get }
    func predict(_ frame: Frame) throws(ScoringError) -> Predictions
    /// Whether the model classifies or regresses, when its format says so; nil leaves it to
    /// the consumer (live quality infers it from the outputs).
    var task: PredictionTask? { get }
    /// `predict`, plus P(class 1) per row when the model is a binary classifier and the runtime
    /// can expose it at no extra pass (for log-loss and ROC AUC from feedback); nil otherwise.
    func predictWithProbabilities(_ frame: Frame) throws(ScoringError) -> (Predictions, probabilities: [Double]?)
}

extension Predictor {
    package var task: PredictionTask? { nil }

    package func predictWithProbabilities(_ frame: Frame) throws(ScoringError) -> (Predictions, probabilities: [Double]?) {
        (try predict(frame), nil)
    }
}

/// What a model's outputs mean when they are compared with ground truth.
package enum PredictionTask: String, Sendable {
    case classification, regression
}

/// What a model returns for a batch, in the shape MLflow serializes it.
package enum Predictions: Sendable, Equatable {
    /// float64 values, one per row.
    case doubles([Double])
    /// float32 values, one per row; MLflow widens them to float64 before printing.
    case floats([Float])
    /// int64 values (class labels), one per row.
    case int64s([Int64])
    /// string values (class labels), one per row.
    case strings([String])
    /// `rows × columns` float32 values, row-major (e.g. multi:softprob).
    case floatMatrix(columns: Int, values: [Float])
    /// `rows × columns` float64 values, row-major.
    case doubleMatrix(columns: Int, values: [Double])

    package var rowCount: Int {
        switch self {
        case .doubles(let v): v.count
        case .floats(let v): v.count
        case .int64s(let v): v.count
        case .strings(let v): v.count
        case .floatMatrix(let c, let v): c == 0 ? 0 : v.count / c
        case .doubleMatrix(let c, let v): c == 0 ? 0 : v.count / c
        }
    }
}
