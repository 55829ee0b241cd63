/// The answers MLflow's scoring server gives, built the way `MlflowException` builds them.
extension ScoringError {
    /// An `MlflowException`: `error_class` and `sqlstate` derived from the code unless given
    /// (`mlflow/error_classification.py`).
    package static func mlflow(
        _ code: ErrorCode,
        _ message: String,
        errorClass: String? = nil,
        stackTrace: String? = nil,
        reason: Reason = .badRequest
    ) -> ScoringError {
        let errorClass = errorClass ?? code.clientErrorClass
        let sqlstate = errorClass.flatMap(ErrorCode.sqlstate(forErrorClass:)) ?? code.clientSQLState
        return ScoringError(code, message, sqlstate: sqlstate, errorClass: errorClass, stackTrace: stackTrace, reason: reason)
    }

    /// `MlflowInvalidInputException`: BAD_REQUEST with `Invalid input. ` in front.
    package static func invalidInput(_ message: String, reason: Reason = .badRequest) -> ScoringError {
        .mlflow(.badRequest, "Invalid input. " + message, reason: reason)
    }

    /// A plain-text answer (MLflow's 415 and 500 bodies).
    package static func text(_ status: Int, _ body: String, reason: Reason = .badRequest) -> ScoringError {
        ScoringError(status: status, body: .text(body, contentType: "text/plain; charset=utf-8"), reason: reason)
    }

    /// Starlette's answer to an exception nobody caught.
    package static let internalServerError = ScoringError.text(500, "Internal Server Error")

    /// The 504 answer of MLflow's timeout middleware (its body is not JSON, its content type says it is).
    package static let timeout = ScoringError(
        status: 504, body: .text("Request processing time exceeded limit", contentType: "application/json"), reason: .timeout)
}

extension ErrorCode {
    /// `ErrorClass.from_client_error_code`.
    package var clientErrorClass: String? {
        switch self {
        case .badRequest, .invalidParameterValue: "INVALID_PARAMETER_VALUE"
        case .endpointNotFound, .resourceDoesNotExist: "RESOURCE_NOT_FOUND"
        case .internalError, .temporarilyUnavailable: "CLIENT_INTERNAL_ERROR"
        case .permissionDenied: "PERMISSION_DENIED"
        case .resourceAlreadyExists: "RESOURCE_ALREADY_EXISTS"
        default: nil
        }
    }

    /// `SqlState.from_client_error_code`.
    package var clientSQLState: String? {
        switch self {
        case .badRequest, .invalidParameterValue, .endpointNotFound, .permissionDenied, .resourceAlreadyExists,
            .resourceDoesNotExist:
            "KAM00"
        case .internalError, .temporarilyUnavailable: "XXM00"
        default: nil
        }
    }

    /// `SqlState.from_error_class` (`_ERROR_CLASS_TO_SQLSTATE`).
    package static func sqlstate(forErrorClass errorClass: String) -> String? {
        switch errorClass {
        case "ATTRIBUTE_NOT_FOUND": "KAM04"
        case "MODEL_SERIALIZATION_FAILED": "KAM03"
        case "PREDICTION_FUNCTION_FAILED": "KAM02"
        case "SCHEMA_ENFORCEMENT_FAILED": "KAM01"
        default: nil
        }
    }
}
