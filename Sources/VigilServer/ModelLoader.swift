import Foundation
import Logging
import VigilModel
import VigilPython

/// Which runtime serves a model: native where Vigil has one, MLflow's pyfunc in Python workers
/// for everything else (`--runtime`).
package enum RuntimeChoice: String, Sendable, CaseIterable {
    case auto, native, python
}

/// How one model version answers `/invocations`.
package enum Scorer: Sendable {
    /// Decoded, predicted and encoded in-process by a native runtime.
    case native(ScoringPipeline)
    /// Forwarded whole to MLflow's own scoring code in supervised Python workers.
    case python(PythonWorkerPool)

    package var runtime: String {
        switch self {
        case .native: "native"
        case .python: "python"
        }
    }
}

/// A model directory that cannot be served, with what to do about it.
package struct ModelLoadError: Error, CustomStringConvertible {
    package var description: String

    package init(description: String) {
        self.description = description
    }
}

/// Reads a local MLflow model directory and builds the scorer that serves it.
package struct ModelLoader: Sendable {
    package var runtime: RuntimeChoice
    /// Settings for Python workers; its `modelPath` is filled in per model.
    package var python: PythonWorkerConfiguration

    package init(runtime: RuntimeChoice = .auto, python: PythonWorkerConfiguration = PythonWorkerConfiguration(modelPath: "")) {
        self.runtime = runtime
        self.python = python
    }

    package struct Loaded: Sendable {
        package var manifest: ModelManifest
        package var scorer: Scorer
        /// The flavor that serves it (`xgboost`, or `python_function` through the Python runtime).
        package var flavor: String

        /// Classifier or regressor, when the native runtime knows (live quality infers it otherwise).
        package var task: PredictionTask? {
            if case .native(let pipeline) = scorer { return pipeline.predictor.task }
            return nil
        }
    }

    package func load(directory: String, logger: Logger) async throws -> Loaded {
        let manifest: ModelManifest
        do {
            manifest = try ModelManifest.load(directory: directory)
        } catch {
            throw ModelLoadError(description: "Cannot load the model in \(directory): \(error)")
        }
        if runtime != .python {
            switch Result(catching: { try NativeRuntime.predictor(for: manifest, directory: directory) }) {
            case .success(let found?):
                return Loaded(
                    manifest: manifest, scorer: .native(ScoringPipeline(manifest: manifest, predictor: found.predictor)),
                    flavor: found.flavor)
            case .success(nil):
                if runtime == .native {
                    throw ModelLoadError(
                        description: "No native runtime serves the flavors of \(directory) (\(manifest.flavors.keys.joined(separator: ", "))); "
                            + "use --runtime auto or python.")
                }
            case .failure(let error as ModelFileError):
                if case .unsupported = error, runtime == .auto {
                    logger.notice(
                        "native runtime declined the model; using the Python runtime",
                        metadata: ["reason": "\(error)"])
                } else {
                    throw ModelLoadError(description: "Cannot load the model in \(directory): \(error)")
                }
            case .failure(let error):
                throw ModelLoadError(description: "Cannot load the model in \(directory): \(error)")
            }
        }
        guard manifest.pythonFunction != nil else {
            throw ModelLoadError(
                description: "The model in \(directory) has no python_function flavor, so MLflow's pyfunc cannot serve it either.")
        }
        var configuration = python
        configuration.modelPath = directory
        let pool = PythonWorkerPool(configuration: configuration, logger: logger)
        do {
            try await pool.start()
        } catch {
            throw ModelLoadError(description: "\(error)")
        }
        return Loaded(manifest: manifest, scorer: .python(pool), flavor: "python_function")
    }
}
