import Logging

/// How to run a model's MLflow pyfunc in Python worker processes.
package struct PythonWorkerConfiguration: Sendable {
    /// Where the workers' Python comes from (`--env-manager`).
    package enum EnvironmentManager: Sendable, Equatable {
        /// Use `python` as it is (MLflow's `--env-manager local`).
        case local
        /// Build a virtualenv from the model's `python_env.yaml` / `requirements.txt` once, with `python`,
        /// under `cacheDirectory` (keyed by a hash of those files), and run the workers with its Python.
        case virtualenv(cacheDirectory: String)
    }

    /// The local MLflow model directory (the one holding `MLmodel`).
    package var modelPath: String
    /// The Python to run: a path, or a name looked up on `PATH`.
    package var python: String = "python3"
    package var environmentManager: EnvironmentManager = .local
    /// Worker processes; each loads its own copy of the model and answers one request at a time.
    package var workers: Int = 1
    /// The longest a request may take, queueing included, before it is answered 504
    /// (`MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT`). A worker still busy with it is killed and restarted.
    package var requestTimeout: Duration = .seconds(60)
    /// Requests that may wait for a busy worker; past that, 503.
    package var maximumQueuedRequests: Int = 100
    /// The longest a worker may take to load the model and announce itself ready.
    package var loadTimeout: Duration = .seconds(300)
    /// How long `shutdown()` lets a worker finish and exit before SIGTERM, then SIGKILL as long again.
    package var shutdownGracePeriod: Duration = .seconds(10)
    /// The first delay before restarting a worker that died; it doubles while restarts keep failing.
    package var restartBackoff: Duration = .milliseconds(100)
    package var maximumRestartBackoff: Duration = .seconds(30)
    /// Variables to set for the workers, over Vigil's own environment (e.g. `OMP_NUM_THREADS`).
    package var environment: [String: String] = [:]
    /// The worker's source file; nil runs the copy built into Vigil.
    package var workerScript: String? = nil
    /// The largest answer a worker may send.
    package var maximumAnswerBytes: Int = 1 << 30
    /// The level at which the workers' stderr lines are logged.
    package var workerOutputLogLevel: Logger.Level = .info

    package init(modelPath: String) {
        self.modelPath = modelPath
    }

    /// The request timeout MLflow's scoring server would use: `MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT`
    /// seconds (an integer), else 60.
    package static func requestTimeout(environment: [String: String]) -> Duration {
        if let value = environment["MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT"].flatMap({ Int($0) }), value > 0 {
            return .seconds(value)
        }
        return .seconds(60)
    }
}
