import NIOCore

/// Counts the rows in an MLflow answer the Python runtime produced, for `mlflow_predictions_total`:
/// the elements of the top-level `predictions` array (or of the top-level array itself).
enum PredictionRows {
    static func count(in body: ByteBuffer) -> Int? {
        body.withUnsafeReadableBytes { bytes -> Int? in
            let prefix = Array(#"{"predictions": "#.utf8)
            var index = 0
            if bytes.starts(with: prefix) { index = prefix.count }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { return nil }
            var depth = 0
            var inString = false
            var escaped = false
            var elements = 0
            var sawValue = false
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if inString {
                    if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""):
                    inString = true
                    if depth == 1 { sawValue = true }
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    if depth == 1 { sawValue = true }
                    depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    depth -= 1
                    if depth == 0 { return sawValue ? elements + 1 : 0 }
                case UInt8(ascii: ","):
                    if depth == 1 { elements += 1 }
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    break
                default:
                    if depth == 1 { sawValue = true }
                }
            }
            return nil
        }
    }
}
