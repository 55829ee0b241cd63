import ArgumentParser
import Foundation
import Logging
import VigilServer

/// The options that say which model to load and how to run it, shared by `serve` and `predict`.
struct ModelOptions: ParsableArguments {
    @Option(help: "A local MLflow model directory, or models:/NAME/VERSION, models:/NAME@ALIAS, models:/NAME/STAGE, models:/NAME/latest, models:/m-ID, runs:/RUN/PATH, mlflow-artifacts:/PATH resolved against MLFLOW_TRACKING_URI (default: the demo model in examples/demo). [VIGIL_MODEL]")
    var model: String?
    @Option(help: "auto (native where Vigil has a runtime, else Python), native or python (default auto). [VIGIL_RUNTIME]")
    var runtime: String?
    @Option(help: "Python worker processes, for models served by the Python runtime (default 1). [VIGIL_WORKERS]")
    var workers: Int?
    @Option(help: "The Python that runs MLflow's pyfunc (default python3 on PATH). [VIGIL_PYTHON]")
    var python: String?
    @Option(help: "local (that Python as it is) or virtualenv (a venv built once from the model's requirements). [VIGIL_ENV_MANAGER]")
    var envManager: String?
    @Option(help: "Seconds a Python-served request may take before 504 (default 60). [MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT]")
    var timeout: Int?
    @Option(help: "trace, debug, info, notice, warning, error or critical (default info). [VIGIL_LOG_LEVEL]")
    var logLevel: String?

    func flags() -> ServeFlags {
        ServeFlags(model: model, runtime: runtime, workers: workers, python: python, envManager: envManager, timeout: timeout)
    }

    /// The configuration these options and the environment describe, with `serve`'s own flags added.
    func configuration(adding serveFlags: (inout ServeFlags) -> Void = { _ in }) throws -> ServeConfiguration {
        var flags = flags()
        serveFlags(&flags)
        do {
            return try ServeConfiguration(flags: flags, environment: ProcessInfo.processInfo.environment, defaultModel: DemoModel.path)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }

    /// The process logger: one line per event on standard error.
    func logger() throws -> Logger {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "vigil")
        if let level = logLevel ?? ProcessInfo.processInfo.environment["VIGIL_LOG_LEVEL"] {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ValidationError("log level must be one of \(Logger.Level.allCases.map(\.rawValue)), got '\(level)'")
            }
            logger.logLevel = parsed
        }
        return logger
    }
}

/// Finds `examples/demo`: in the working directory, or beside the sources this binary was built from.
enum DemoModel {
    static func path() throws -> String {
        let candidates = [
            FileManager.default.currentDirectoryPath + "/examples/demo",
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("examples/demo").path,
        ]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/MLmodel") }) else {
            throw ConfigurationError(description: "No --model given and the demo model was not found in examples/demo.")
        }
        return found
    }
}
