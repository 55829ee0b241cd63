/// The request formats `/invocations` accepts, chosen by content type as MLflow chooses them.
package enum RequestFormat: Sendable, Equatable {
    case json
    case csv
    case parquet

    static let supportedList = "['text/csv', 'application/json', 'application/vnd.apache.parquet']"

    /// Parses the `Content-Type` header the way `invocations()` does: the mime type is compared
    /// case-sensitively, `charset` must be UTF-8 (any case) and no other parameter is allowed.
    package init(contentType: String?) throws(ScoringError) {
        // MLflow calls `content_type.split(";")` on None: Starlette answers the AttributeError with 500.
        guard let contentType else { throw ScoringError.internalServerError }
        switch contentType {
        case "application/json", "application/json; charset=utf-8":
            self = .json
            return
        case "text/csv", "text/csv; charset=utf-8":
            self = .csv
            return
        default:
            break
        }
        let parts = contentType.split(separator: ";", omittingEmptySubsequences: false).map {
            String($0).trimmingPythonWhitespace()
        }
        var parameters: [(String, String)] = []
        for pair in parts.dropFirst() {
            if let eq = pair.firstIndex(of: "=") {
                parameters.append((String(pair[..<eq]), String(pair[pair.index(after: eq)...])))
            } else {
                parameters.append((pair, ""))
            }
        }
        // A dict comprehension: the last value of a repeated key wins.
        let charset = parameters.last { $0.0 == "charset" }?.1 ?? "utf-8"
        if charset.lowercased() != "utf-8" {
            throw ScoringError.text(415, "The scoring server only supports UTF-8")
        }
        var unexpected: [String] = []
        for (key, _) in parameters where key != "charset" && !unexpected.contains(key) { unexpected.append(key) }
        if !unexpected.isEmpty {
            throw ScoringError.text(
                415,
                "Unrecognized content type parameters: \(unexpected.joined(separator: ", ")). \(RequestDecoder.scoringProtocolChangeInfo)")
        }
        switch parts[0] {
        case "application/json": self = .json
        case "text/csv": self = .csv
        case "application/vnd.apache.parquet": self = .parquet
        default:
            throw ScoringError.text(
                415,
                "This predictor only supports the following content types: Types: \(Self.supportedList). Got \(PythonRepr.string(contentType)).")
        }
    }
}
