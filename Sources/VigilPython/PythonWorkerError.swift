/// Why the Python workers could not start. Each description is a sentence a user can act on.
package enum PythonWorkerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configured Python executable does not exist.
    case pythonNotFound(python: String)
    /// The Python executable exists but could not be started.
    case spawnFailed(python: String, reason: String)
    /// A worker could not load the model (missing mlflow, missing package, bad model...).
    case loadFailed(message: String)
    /// A worker did not announce itself ready in time.
    case loadTimedOut(seconds: Double)
    /// The virtualenv for the model could not be built.
    case environmentFailed(message: String)
    /// `start()` was called on a pool that is already started or shut down.
    case notStartable

    package var description: String {
        switch self {
        case .pythonNotFound(let python):
            "Python was not found at '\(python)'. Install Python 3 with MLflow (`python3 -m pip install mlflow`) "
                + "and the model's requirements, or point --python at a Python that has them."
        case .spawnFailed(let python, let reason):
            "Python at '\(python)' could not be started: \(reason)."
        case .loadFailed(let message):
            message
        case .loadTimedOut(let seconds):
            "The Python worker did not load the model within \(seconds) seconds."
        case .environmentFailed(let message):
            message
        case .notStartable:
            "The Python worker pool can only be started once."
        }
    }
}
