extension ScoringError {
    /// The message MLflow's scoring server sends when `model.predict` raises
    /// (`mlflow/pyfunc/scoring_server/__init__.py`, `invocations`).
    package static let modelErrorMessage =
        "Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is compatible with the model for inference."

    /// A model that failed on the rows it was given, answered as MLflow answers a Python
    /// exception in `predict`: 400 `BAD_REQUEST` with sqlstate `KAM00`, error class
    /// `INVALID_PARAMETER_VALUE`, and the error in `stack_trace` (MLflow puts the Python
    /// traceback there; a native runtime puts the library's error line, e.g.
    /// `ValueError: feature_names mismatch: ...`).
    package static func modelError(_ detail: String) -> ScoringError {
        ScoringError(
            .badRequest, modelErrorMessage, sqlstate: "KAM00", errorClass: "INVALID_PARAMETER_VALUE",
            stackTrace: detail, reason: .modelError
        )
    }
}
