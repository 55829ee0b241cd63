#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An XGBoost objective as prediction sees it: how the stored `base_score` becomes the base
/// margin (`ProbToMargin`) and how margins become outputs (`PredTransform`).
///
/// All arithmetic is float32 with the C library's `expf` and `logf`, as in XGBoost 3.2
/// (`src/common/math.h`, `src/objective/*`); the same libm gives the same last bit.
package struct XGBoostObjective: Sendable, Equatable {
    package enum Link: Sendable, Equatable {
        /// Output = margin; base used as is.
        case identity
        /// `reg:logistic`, `binary:logistic`: sigmoid; base clamped to [1e-6, 1 - 1e-6] then logit.
        case logistic
        /// `binary:logitraw`: output = margin, base used as is.
        case logitRaw
        /// `count:poisson`, `reg:gamma`, `reg:tweedie`, `survival:cox`: `expf`; base through `logf`.
        case exponential
        /// `binary:hinge`: 1 if margin > 0 else 0; base used as is.
        case hinge
        /// `multi:softprob`: softmax over the classes; base (per class) used as is.
        case softprob
        /// `multi:softmax`: index of the largest margin; base used as is.
        case softmax
    }

    package let name: String
    package let link: Link

    package init(name: String) throws(ModelFileError) {
        self.name = name
        switch name {
        case "reg:squarederror", "reg:linear", "reg:squaredlogerror", "reg:pseudohubererror", "reg:absoluteerror",
            "reg:quantileerror", "rank:pairwise", "rank:ndcg", "rank:map":
            link = .identity
        case "reg:logistic", "binary:logistic": link = .logistic
        case "binary:logitraw": link = .logitRaw
        case "count:poisson", "reg:gamma", "reg:tweedie", "survival:cox": link = .exponential
        case "binary:hinge": link = .hinge
        case "multi:softprob": link = .softprob
        case "multi:softmax": link = .softmax
        default: throw .unsupported("objective \(name)")
        }
    }

    /// `ProbToMargin`: the base margin for a stored `base_score` value.
    package func baseMargin(_ baseScore: Float) throws(ModelFileError) -> Float {
        switch link {
        case .logistic:
            // LogisticRegression::CheckIntercept, then ProbToMargin (regression_loss.h).
            guard baseScore >= 0 && baseScore <= 1 else {
                throw .invalidValue(field: "learner.learner_model_param.base_score", reason: "must be in [0, 1] for \(name)")
            }
            let eps: Float = 1e-6  // kRtEps
            var p = baseScore < eps ? eps : baseScore  // common::Max(base_score, kRtEps)
            p = p > 1 - eps ? 1 - eps : p  // common::Min(., 1.0f - kRtEps)
            return -logf(1 / p - 1)  // common::Logit
        case .exponential:
            if name == "reg:gamma" && !(baseScore > 0) {
                throw .invalidValue(field: "learner.learner_model_param.base_score", reason: "must be > 0 for reg:gamma")
            }
            return logf(baseScore)
        case .identity, .logitRaw, .hinge, .softprob, .softmax:
            return baseScore
        }
    }

    /// The number of values per row `transform` writes for `groups` margins per row.
    package func outputWidth(groups: Int) -> Int {
        link == .softmax ? 1 : groups
    }

    /// `PredTransform` of `rows` rows of `groups` margins (row-major), written to `output`
    /// (`rows × outputWidth(groups:)`). `output` may be `margins` itself.
    package func transform(
        _ margins: UnsafeBufferPointer<Float>, rows: Int, groups: Int, into output: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(margins.count >= rows * groups && output.count >= rows * outputWidth(groups: groups))
        switch link {
        case .identity, .logitRaw:
            for i in 0..<rows * groups { output[i] = margins[i] }
        case .logistic:
            for i in 0..<rows * groups { output[i] = Self.sigmoid(margins[i]) }
        case .exponential:
            for i in 0..<rows * groups { output[i] = expf(margins[i]) }
        case .hinge:
            for i in 0..<rows * groups { output[i] = margins[i] > 0 ? 1 : 0 }
        case .softprob:
            for r in 0..<rows {
                Self.softmax(margins, output, at: r * groups, count: groups)
            }
        case .softmax:
            for r in 0..<rows {
                output[r] = Float(Self.firstMaxIndex(margins, at: r * groups, count: groups))
            }
        }
    }

    /// `common::Sigmoid(float)`.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        let eps = Float(1e-16 as Double)  // float constexpr kEps = 1e-16
        let y = 88.7 < -x ? 88.7 : -x  // std::min(-x, 88.7f)
        let denom = expf(y) + 1 + eps
        return 1 / denom
    }

    /// `common::Softmax`: max with `fmaxf`, exponentials in float summed in double, each
    /// divided by the sum rounded to float.
    static func softmax(
        _ margins: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>, at start: Int, count: Int
    ) {
        guard count > 0 else { return }
        var wmax = margins[start]
        for k in 1..<count { wmax = fmaxf(margins[start + k], wmax) }
        var wsum: Double = 0
        for k in 0..<count {
            let e = expf(margins[start + k] - wmax)
            output[start + k] = e
            wsum += Double(e)
        }
        let sum = Float(wsum)
        for k in 0..<count { output[start + k] /= sum }
    }

    /// `common::FindMaxIndex`: the first index holding the largest value (NaN never wins).
    static func firstMaxIndex(_ values: UnsafeBufferPointer<Float>, at start: Int, count: Int) -> Int {
        var best = 0
        for k in 0..<count where values[start + k] > values[start + best] { best = k }
        return best
    }
}
