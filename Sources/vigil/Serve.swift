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
