/// A failed scoring request, carrying exactly what MLflow's scoring server answers for it.
///
/// Every failure on the scoring path becomes one of these: the server turns it into a response
/// in one place, and metrics count it by `reason`.
package struct ScoringError: Error, Sendable, Equatable {
    /// Why a request failed, as counted in `mlflow_prediction_errors_total{reason}`.
    package enum Reason: String, Sendable, CaseIterable {
        case badRequest = "bad_request"
        case schema
        case modelError = "model_error"
        case timeout
        case overloaded
        /// A Python worker died while it held the request.
        case workerCrash = "worker_crash"
    }

    /// The response body MLflow sends.
    package enum Body: Sendable, Equatable {
        /// `{"error_code": ..., "message": ..., "sqlstate"?, "error_class"?, "stack_trace"?}` as application/json.
        case mlflow(code: ErrorCode, message: String, sqlstate: String?, errorClass: String?, stackTrace: String?)
        /// A bare text body (MLflow's 415, 500 and 504 answers), with its content type.
        case text(String, contentType: String)
    }

    package var status: Int
    package var body: Body
    package var reason: Reason
    /// The input column whose values could not take the signature's type, when one is to blame
    /// (counted per feature by drift's data-quality series); never part of the body.
    package var column: String?

    package init(status: Int, body: Body, reason: Reason) {
        self.status = status
        self.body = body
        self.reason = reason
    }

    /// An MLflow exception: the status follows MLflow's `ERROR_CODE_TO_HTTP_STATUS`.
    package init(
        _ code: ErrorCode,
        _ message: String,
        sqlstate: String? = nil,
        errorClass: String? = nil,
        stackTrace: String? = nil,
        reason: Reason = .badRequest
    ) {
        self.init(
            status: code.httpStatus,
            body: .mlflow(code: code, message: message, sqlstate: sqlstate, errorClass: errorClass, stackTrace: stackTrace),
            reason: reason
        )
    }

    /// The human-readable message, whatever the body's form.
    package var message: String {
        switch body {
        case .mlflow(_, let message, _, _, _): message
        case .text(let text, _): text
        }
    }
}

/// MLflow's error codes (`mlflow/protos/databricks.proto`) with their HTTP statuses.
package enum ErrorCode: String, Sendable {
    case badRequest = "BAD_REQUEST"
    case invalidParameterValue = "INVALID_PARAMETER_VALUE"
    case resourceAlreadyExists = "RESOURCE_ALREADY_EXISTS"
    case unauthenticated = "UNAUTHENTICATED"
    case permissionDenied = "PERMISSION_DENIED"
    case resourceDoesNotExist = "RESOURCE_DOES_NOT_EXIST"
    case endpointNotFound = "ENDPOINT_NOT_FOUND"
    case resourceConflict = "RESOURCE_CONFLICT"
    case requestLimitExceeded = "REQUEST_LIMIT_EXCEEDED"
    case internalError = "INTERNAL_ERROR"
    case notImplemented = "NOT_IMPLEMENTED"
    case temporarilyUnavailable = "TEMPORARILY_UNAVAILABLE"
    case deadlineExceeded = "DEADLINE_EXCEEDED"

    package var httpStatus: Int {
        switch self {
        case .badRequest, .invalidParameterValue, .resourceAlreadyExists: 400
        case .unauthenticated: 401
        case .permissionDenied: 403
        case .resourceDoesNotExist, .endpointNotFound: 404
        case .resourceConflict: 409
        case .requestLimitExceeded: 429
        case .internalError: 500
        case .notImplemented: 501
        case .temporarilyUnavailable: 503
        case .deadlineExceeded: 504
        }
    }
}
