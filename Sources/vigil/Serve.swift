import ArgumentParser
import VigilServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve an MLflow model: MLflow's scoring protocol on --port, Prometheus metrics on --metrics-port.",
        discussion: "Each option also reads the environment variable shown in brackets; flags win. "
            + "With no model, serves the demo model in examples/demo."
    )

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Address to listen on (default 127.0.0.1). [VIGIL_HOST]")
    var host: String?
    @Option(help: "Scoring port (default 8000). [VIGIL_PORT]")
    var port: Int?
    @Option(help: "Metrics and health port (default 8001). [VIGIL_METRICS_PORT]")
    var metricsPort: Int?
    @Option(help: "model_name label (default: the model directory's name). [VIGIL_MODEL_NAME]")
    var modelName: String?
    @Option(help: "model_version label (default: the start of the MLmodel's model_uuid). [VIGIL_MODEL_VERSION]")
    var modelVersion: String?
    @Option(help: "Largest request body in bytes; larger ones get 413 (default 100000000). [VIGIL_MAX_REQUEST_BYTES]")
    var maxRequestBytes: Int?
    @Option(help: "Drift profile from `vigil profile` (default: vigil_profile.json in the model directory, if any). [VIGIL_PROFILE]")
    var profile: String?
    @Flag(help: "Remember predictions by request id so POST /feedback can score labels: live quality on the metrics port. [VIGIL_FEEDBACK]")
    var feedback = false
    @Option(help: "Requests remembered for feedback, about the last N (default 10000). [VIGIL_FEEDBACK_WINDOW]")
    var feedbackWindow: Int?
    @Option(help: "Labelled rows each version's quality metrics cover (default 1000). [VIGIL_QUALITY_WINDOW]")
    var qualityWindow: Int?
    @Option(help: "Append every answered request (id, time, version, rows, predictions) to JSON-lines files in DIR; implies --feedback. [VIGIL_INFERENCE_LOG]")
    var inferenceLog: String?
    @Option(help: "Most bytes the inference log keeps; the oldest file is dropped (default 100000000). [VIGIL_INFERENCE_LOG_MAX_BYTES]")
    var inferenceLogMaxBytes: Int?
    @Flag(help: "fsync each inference log record before answering (survives a machine crash; slower). [VIGIL_INFERENCE_LOG_FSYNC]")
    var inferenceLogFsync = false

    func run() async throws {
        let configuration = try modelOptions.configuration { flags in
            flags.host = host
            flags.port = port
            flags.metricsPort = metricsPort
            flags.modelName = modelName
            flags.modelVersion = modelVersion
            flags.maxRequestBytes = maxRequestBytes
            flags.profile = profile
            flags.feedback = feedback ? true : nil
            flags.feedbackWindow = feedbackWindow
            flags.qualityWindow = qualityWindow
            flags.inferenceLog = inferenceLog
            flags.inferenceLogMaxBytes = inferenceLogMaxBytes
            flags.inferenceLogFsync = inferenceLogFsync ? true : nil
        }
        let logger = try modelOptions.logger()
        do {
            try await VigilService(configuration: configuration, logger: logger).run()
        } catch let error as ModelLoadError {
            logger.critical("model not loaded", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
