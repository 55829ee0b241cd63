/// A response ready to send: status, `Content-Type` and body bytes.
package struct EncodedResponse: Sendable, Equatable {
    package var status: Int
    package var contentType: String
    package var body: [UInt8]

    package init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

extension ScoringError {
    /// The response MLflow's scoring server sends for this error: `MlflowException.serialize_as_json()`
    /// (`json.dumps` of `error_code`, `message`, `sqlstate`, `error_class`, `stack_trace`, in that
    /// order, non-ASCII escaped) as `application/json`, or the bare text bodies of 415/500/504.
    package var response: EncodedResponse {
        switch body {
        case .text(let text, let contentType):
            return EncodedResponse(status: status, contentType: contentType, body: Array(text.utf8))
        case .mlflow(let code, let message, let sqlstate, let errorClass, let stackTrace):
            var w = JSONWriter(capacity: 96 + message.utf8.count)
            w.raw("{\"error_code\": ")
            w.string(code.rawValue)
            w.raw(", \"message\": ")
            w.string(message)
            if let sqlstate {
                w.raw(", \"sqlstate\": ")
                w.string(sqlstate)
            }
            if let errorClass {
                w.raw(", \"error_class\": ")
                w.string(errorClass)
            }
            if let stackTrace {
                w.raw(", \"stack_trace\": ")
                w.string(stackTrace)
            }
            w.raw("}")
            return EncodedResponse(status: status, contentType: "application/json", body: w.bytes)
        }
    }
}
