/// A classifier's `classes_`, in the dtype it was fitted with, as MLflow serves labels.
package enum ClassLabels: Sendable, Equatable {
    case int64s([Int64])
    case doubles([Double])
    case strings([String])

    package var count: Int {
        switch self {
        case .int64s(let v): v.count
        case .doubles(let v): v.count
        case .strings(let v): v.count
        }
    }

    /// `classes_.take(indices)`.
    package func take(_ indices: [Int]) -> Predictions {
        switch self {
        case .int64s(let l): .int64s(indices.map { l[$0] })
        case .doubles(let l): .doubles(indices.map { l[$0] })
        case .strings(let l): .strings(indices.map { l[$0] })
        }
    }

    /// Reads a 1-D numpy array of labels.
    init(_ array: NPYArray, field: String) throws(ModelFileError) {
        guard array.shape.count == 1 else { throw .invalidValue(field: field, reason: "class labels must be a vector") }
        switch array.values {
        case .int64(let v): self = .int64s(v)
        case .float64(let v): self = .doubles(v)
        case .float32(let v): self = .doubles(v.map(Double.init))
        case .string(let v): self = .strings(v)
        case .bool, .objects, .records: throw .unsupported("class labels of this type (\(field))")
        }
    }

    /// `np.argmax` over each row of a row-major `rows × width` matrix: the first largest; a NaN
    /// wins at once.
    static func argmax(_ values: [Double], rows: Int, width: Int) -> [Int] {
        var out = [Int](repeating: 0, count: rows)
        for r in 0..<rows {
            var best = 0
            for k in 0..<width {
                let v = values[r * width + k]
                if v.isNaN {
                    best = k
                    break
                }
                if v > values[r * width + best] { best = k }
            }
            out[r] = best
        }
        return out
    }
}
