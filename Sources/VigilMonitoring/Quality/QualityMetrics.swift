#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The quality of predictions against ground truth, computed the way scikit-learn computes it
/// (checked against `sklearn.metrics` by `python/fixtures/make_quality.py`). Pure functions:
/// nil where sklearn would refuse (no rows, one class only for AUC).
package enum QualityMetrics {
    /// `accuracy_score`: the share of rows whose prediction equals the label.
    package static func accuracy(correct: [Bool]) -> Double? {
        guard !correct.isEmpty else { return nil }
        return Double(correct.reduce(0) { $0 + ($1 ? 1 : 0) }) / Double(correct.count)
    }

    /// `log_loss(y, p, labels=[0, 1])` for a binary problem: `p` is P(class 1), each of `1 - p`
    /// and `p` clipped to [eps, 1 - eps] with float64's eps, natural log, mean over rows.
    package static func logLoss(labels: [Bool], probabilities: [Double]) -> Double? {
        guard !labels.isEmpty, labels.count == probabilities.count else { return nil }
        let eps = Double.ulpOfOne
        var sum = 0.0
        for (y, p) in zip(labels, probabilities) {
            let q = y ? p : 1 - p
            sum += -log(min(max(q, eps), 1 - eps))
        }
        return sum / Double(labels.count)
    }

    /// `roc_auc_score(y, score)`: the area under the ROC curve, ties counted half (the
    /// trapezoids sklearn draws through tied scores). Nil unless both classes are present.
    package static func rocAUC(labels: [Bool], scores: [Double]) -> Double? {
        guard labels.count == scores.count, !scores.contains(where: \.isNaN) else { return nil }
        let positives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        // Mann–Whitney U with mid-ranks for ties equals sklearn's trapezoidal area.
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positiveRankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            var tiedPositives = 0
            while j < order.count && scores[order[j]] == scores[order[i]] {
                if labels[order[j]] { tiedPositives += 1 }
                j += 1
            }
            let midRank = Double(i + 1 + j) / 2  // ranks i+1 ... j
            positiveRankSum += midRank * Double(tiedPositives)
            i = j
        }
        let p = Double(positives), n = Double(negatives)
        return (positiveRankSum - p * (p + 1) / 2) / (p * n)
    }

    /// `mean_absolute_error`.
    package static func meanAbsoluteError(labels: [Double], predictions: [Double]) -> Double? {
        guard !labels.isEmpty, labels.count == predictions.count else { return nil }
        var sum = 0.0
        for (y, p) in zip(labels, predictions) { sum += abs(y - p) }
        return sum / Double(labels.count)
    }

    /// `root_mean_squared_error`.
    package static func rootMeanSquaredError(labels: [Double], predictions: [Double]) -> Double? {
        guard !labels.isEmpty, labels.count == predictions.count else { return nil }
        var sum = 0.0
        for (y, p) in zip(labels, predictions) { sum += (y - p) * (y - p) }
        return (sum / Double(labels.count)).squareRoot()
    }
}
