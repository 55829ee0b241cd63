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
    @Option(help: ArgumentHelp(
        "Seconds between registry polls when --model names an alias, a stage or latest; a new version is loaded, "
            + "warmed up and swapped in (default 30, 0: off). [VIGIL_POLL_INTERVAL]"))
    var pollInterval: Int?
    @Option(help: "Rows in each version's drift window (default 1000). [VIGIL_DRIFT_WINDOW]")
    var driftWindow: Int?
    @Option(help: "Also drop rows older than this many seconds from the drift window (default: no age limit). [VIGIL_DRIFT_WINDOW_SECONDS]")
    var driftWindowSeconds: Int?
    @Option(help: "Values a feature needs in the window before its drift scores are exported (default 200). [VIGIL_DRIFT_MIN_ROWS]")
    var driftMinRows: Int?
    @Option(help: "Features tracked for drift, the first in signature order (default 100). [VIGIL_DRIFT_MAX_FEATURES]")
    var driftMaxFeatures: Int?
    @Flag(
        name: .customLong("report-to-mlflow"), inversion: .prefixedNo,
        help: ArgumentHelp(
            "Tag the served registry version and log live serving metrics to an MLflow run at MLFLOW_TRACKING_URI "
                + "(default off). [VIGIL_REPORT_TO_MLFLOW]"))
    var reportToMLflow: Bool?
    @Option(help: "Seconds between reports to MLflow (default 60). [VIGIL_REPORT_INTERVAL]")
    var reportInterval: Int?
    @Option(help: "MLflow experiment of the serving runs, created if missing (default vigil-serving). [VIGIL_REPORT_EXPERIMENT]")
    var reportExperiment: String?
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
            flags.pollInterval = pollInterval
            flags.driftWindow = driftWindow
            flags.driftWindowSeconds = driftWindowSeconds
            flags.driftMinRows = driftMinRows
            flags.driftMaxFeatures = driftMaxFeatures
            flags.reportToMLflow = reportToMLflow
            flags.reportInterval = reportInterval
            flags.reportExperiment = reportExperiment
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
