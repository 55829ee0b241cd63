#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A LightGBM objective as prediction sees it: how raw scores become `predict`'s output
/// (`ObjectiveFunction::ConvertOutput`, LightGBM 4.x `src/objective/*`).
///
/// Everything is double with the C library's `exp` and `log1p`; constants written `1.0f` in
/// LightGBM are exactly 1.0 once promoted, so they change nothing.
package struct LightGBMObjective: Sendable, Equatable {
    package enum Transform: Sendable, Equatable {
        /// Output = raw score (regression without `sqrt`, l1, huber, fair, quantile, mape,
        /// lambdarank, rank_xendcg, custom objectives).
        case identity
        /// `regression sqrt` (reg_sqrt): `Sign(x) * x * x`.
        case signedSquare
        /// `binary`: `1 / (1 + exp(-sigmoid * x))`.
        case sigmoid(Double)
        /// `multiclassova`: the binary sigmoid on each class.
        case sigmoidPerClass(Double)
        /// `cross_entropy`: `1 / (1 + exp(-x))`.
        case logistic
        /// `cross_entropy_lambda`: `log1p(exp(x))`.
        case softplus
        /// `poisson`, `gamma`, `tweedie`: `exp(x)`.
        case exponential
        /// `multiclass`: `Common::Softmax` over the row.
        case softmax
    }

    /// The objective line as stored (`binary sigmoid:1`).
    package let text: String
    /// The objective's name (`binary`).
    package let name: String
    package let transform: Transform
    /// `num_class:N` for the multiclass objectives, else 1.
    package let classCount: Int

    /// Parses the model's `objective=` line; nil text (no line) means no conversion, as LightGBM
    /// does for a model without an objective.
    package init(text: String?) throws(ModelFileError) {
        self.text = text ?? ""
        let parts = (text ?? "").split(separator: " ").map(String.init)
        let name = parts.first ?? "custom"
        self.name = name
        (transform, classCount) = try Self.parse(name: name, parts: parts)
    }

    private static func parse(name: String, parts: [String]) throws(ModelFileError) -> (Transform, Int) {
        let transform: Transform
        let classCount: Int
        var options: [String: String] = [:]
        var flags: Set<String> = []
        for part in parts.dropFirst() {
            let kv = part.split(separator: ":", omittingEmptySubsequences: false)
            if kv.count == 2 { options[String(kv[0])] = String(kv[1]) } else { flags.insert(part) }
        }
        func number(_ key: String) throws(ModelFileError) -> Double {
            guard let text = options[key], let value = Double(text) else {
                throw .invalidValue(field: "objective", reason: "\(name) needs \(key):<number>")
            }
            return value
        }
        func classes() throws(ModelFileError) -> Int {
            guard let text = options["num_class"], let value = Int(text), value >= 1, value <= 1 << 16 else {
                throw .invalidValue(field: "objective", reason: "\(name) needs num_class:<count>")
            }
            return value
        }
        switch name {
        case "regression":
            transform = flags.contains("sqrt") ? .signedSquare : .identity
            classCount = 1
        case "regression_l1", "huber", "fair", "quantile", "mape":
            // These extend RegressionL2loss, whose ConvertOutput honours `sqrt` too.
            transform = flags.contains("sqrt") ? .signedSquare : .identity
            classCount = 1
        case "lambdarank", "rank_xendcg", "custom":
            transform = .identity
            classCount = 1
        case "binary":
            let sigmoid = try number("sigmoid")
            guard sigmoid > 0 else { throw .invalidValue(field: "objective", reason: "sigmoid must be positive") }
            transform = .sigmoid(sigmoid)
            classCount = 1
        case "multiclass":
            transform = .softmax
            classCount = try classes()
        case "multiclassova":
            let sigmoid = try number("sigmoid")
            guard sigmoid > 0 else { throw .invalidValue(field: "objective", reason: "sigmoid must be positive") }
            transform = .sigmoidPerClass(sigmoid)
            classCount = try classes()
        case "cross_entropy":
            transform = .logistic
            classCount = 1
        case "cross_entropy_lambda":
            transform = .softplus
            classCount = 1
        case "poisson", "gamma", "tweedie":
            transform = .exponential
            classCount = 1
        default:
            throw .unsupported("LightGBM objective \(name)")
        }
        return (transform, classCount)
    }

    /// `ConvertOutput` on `rows` rows of `groups` raw scores, in place.
    package func apply(to scores: UnsafeMutableBufferPointer<Double>, rows: Int, groups: Int) {
        precondition(scores.count >= rows * groups)
        let n = rows * groups
        switch transform {
        case .identity:
            return
        case .signedSquare:
            for i in 0..<n {
                let x = scores[i]
                let sign: Double = x > 0 ? 1 : (x < 0 ? -1 : 0)  // Common::Sign, an int
                scores[i] = sign * x * x
            }
        case .sigmoid(let s), .sigmoidPerClass(let s):
            for i in 0..<n { scores[i] = 1.0 / (1.0 + exp(-s * scores[i])) }
        case .logistic:
            for i in 0..<n { scores[i] = 1.0 / (1.0 + exp(-scores[i])) }
        case .softplus:
            for i in 0..<n { scores[i] = log1p(exp(scores[i])) }
        case .exponential:
            for i in 0..<n { scores[i] = exp(scores[i]) }
        case .softmax:
            for r in 0..<rows { Self.softmax(scores, at: r * groups, count: groups) }
        }
    }

    /// `Common::Softmax`: `std::max` for the largest, exponentials summed in order, each divided
    /// by the sum.
    static func softmax(_ v: UnsafeMutableBufferPointer<Double>, at start: Int, count: Int) {
        guard count > 0 else { return }
        var wmax = v[start]
        for k in 1..<count {
            let x = v[start + k]
            wmax = x < wmax ? wmax : x  // std::max(rec[i], wmax)
        }
        var wsum = 0.0
        for k in 0..<count {
            let e = exp(v[start + k] - wmax)
            v[start + k] = e
            wsum += e
        }
        for k in 0..<count { v[start + k] /= wsum }
    }
}
