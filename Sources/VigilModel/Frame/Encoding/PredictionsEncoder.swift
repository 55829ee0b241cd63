/// `json.dumps({"predictions": P}, cls=NumpyEncoder)` for every `Predictions` case, byte for byte.
package enum PredictionsEncoder {
    /// The response body; `wrapped: false` writes the bare list (MLflow's unified-LLM answers).
    package static func encode(_ predictions: Predictions, wrapped: Bool = true) -> [UInt8] {
        var w = JSONWriter(capacity: 32 + predictions.rowCount * 22)
        if wrapped { w.raw("{\"predictions\": ") }
        w.bytes.append(UInt8(ascii: "["))
        switch predictions {
        case .doubles(let v):
            for i in v.indices {
                if i > 0 { w.raw(", ") }
                w.double(v[i])
            }
        case .floats(let v):
            for i in v.indices {
                if i > 0 { w.raw(", ") }
                w.double(Double(v[i]))
            }
        case .int64s(let v):
            for i in v.indices {
                if i > 0 { w.raw(", ") }
                w.int(v[i])
            }
        case .strings(let v):
            for i in v.indices {
                if i > 0 { w.raw(", ") }
                w.string(v[i])
            }
        case .floatMatrix(let columns, let v):
            writeRows(&w, count: v.count, columns: columns) { w, i in w.double(Double(v[i])) }
        case .doubleMatrix(let columns, let v):
            writeRows(&w, count: v.count, columns: columns) { w, i in w.double(v[i]) }
        }
        w.bytes.append(UInt8(ascii: "]"))
        if wrapped { w.raw("}") }
        return w.bytes
    }

    /// Row-major values as nested lists (without the outer brackets).
    private static func writeRows(_ w: inout JSONWriter, count: Int, columns: Int, _ element: (inout JSONWriter, Int) -> Void) {
        guard columns > 0 else { return }
        for r in 0..<(count / columns) {
            if r > 0 { w.raw(", ") }
            w.bytes.append(UInt8(ascii: "["))
            for c in 0..<columns {
                if c > 0 { w.raw(", ") }
                element(&w, r * columns + c)
            }
            w.bytes.append(UInt8(ascii: "]"))
        }
    }
}
