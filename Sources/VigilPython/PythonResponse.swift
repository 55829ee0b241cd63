import NIOCore
import VigilModel

/// MLflow's answer to one `/invocations` request, exactly as `mlflow models serve` sends it.
package struct PythonResponse: Sendable, Equatable {
    package var status: Int
    /// The Content-Type header value, e.g. `application/json` or `text/plain; charset=utf-8`.
    package var contentType: String
    package var body: ByteBuffer
    /// Why it failed, for `mlflow_prediction_errors_total{reason}`; nil for a 200.
    package var reason: ScoringError.Reason?

    package init(status: Int, contentType: String, body: ByteBuffer, reason: ScoringError.Reason?) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.reason = reason
    }
}
