/// What `vigil serve` was given on its command line; nil means "not given".
package struct ServeFlags: Sendable {
    package var model: String?
    package var host: String?
    package var port: Int?
    package var metricsPort: Int?
    package var modelName: String?
    package var modelVersion: String?
    package var maxRequestBytes: Int?
    package var runtime: String?
    package var workers: Int?
    package var python: String?
    package var envManager: String?
    package var timeout: Int?
    package var profile: String?
    package var pollInterval: Int?
    package var driftWindow: Int?
    package var driftWindowSeconds: Int?
    package var driftMinRows: Int?
    package var driftMaxFeatures: Int?
    package var reportToMLflow: Bool?
    package var reportInterval: Int?
    package var reportExperiment: String?
    package var feedback: Bool?
    package var feedbackWindow: Int?
    package var qualityWindow: Int?
    package var inferenceLog: String?
    package var inferenceLogMaxBytes: Int?
    package var inferenceLogFsync: Bool?

    package init(
        model: String? = nil, host: String? = nil, port: Int? = nil, metricsPort: Int? = nil,
        modelName: String? = nil, modelVersion: String? = nil, maxRequestBytes: Int? = nil,
        runtime: String? = nil, workers: Int? = nil, python: String? = nil, envManager: String? = nil, timeout: Int? = nil,
        profile: String? = nil, pollInterval: Int? = nil, reportToMLflow: Bool? = nil, reportInterval: Int? = nil,
        reportExperiment: String? = nil
    ) {
        self.reportToMLflow = reportToMLflow
        self.reportInterval = reportInterval
        self.reportExperiment = reportExperiment
        self.profile = profile
        self.pollInterval = pollInterval
        self.runtime = runtime
        self.workers = workers
        self.python = python
        self.envManager = envManager
        self.timeout = timeout
        self.model = model
        self.host = host
        self.port = port
        self.metricsPort = metricsPort
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.maxRequestBytes = maxRequestBytes
    }
}

/// A setting that could not be used, named as the user wrote it.
package struct ConfigurationError: Error, CustomStringConvertible {
    package var description: String

    package init(description: String) {
        self.description = description
    }
}

extension ServeConfiguration {
    /// Each setting's environment variable (flags win over them).
    package enum Variable: String, CaseIterable {
        case model = "VIGIL_MODEL"
        case host = "VIGIL_HOST"
        case port = "VIGIL_PORT"
        case metricsPort = "VIGIL_METRICS_PORT"
        case modelName = "VIGIL_MODEL_NAME"
        case modelVersion = "VIGIL_MODEL_VERSION"
        case maxRequestBytes = "VIGIL_MAX_REQUEST_BYTES"
        case runtime = "VIGIL_RUNTIME"
        case workers = "VIGIL_WORKERS"
        case python = "VIGIL_PYTHON"
        case envManager = "VIGIL_ENV_MANAGER"
        /// MLflow's own variable, with MLflow's meaning.
        case timeout = "MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT"
        case profile = "VIGIL_PROFILE"
        case pollInterval = "VIGIL_POLL_INTERVAL"
        case driftWindow = "VIGIL_DRIFT_WINDOW"
        case driftWindowSeconds = "VIGIL_DRIFT_WINDOW_SECONDS"
        case driftMinRows = "VIGIL_DRIFT_MIN_ROWS"
        case driftMaxFeatures = "VIGIL_DRIFT_MAX_FEATURES"
        case reportToMLflow = "VIGIL_REPORT_TO_MLFLOW"
        case reportInterval = "VIGIL_REPORT_INTERVAL"
        case reportExperiment = "VIGIL_REPORT_EXPERIMENT"
        case feedback = "VIGIL_FEEDBACK"
        case feedbackWindow = "VIGIL_FEEDBACK_WINDOW"
        case qualityWindow = "VIGIL_QUALITY_WINDOW"
        case inferenceLog = "VIGIL_INFERENCE_LOG"
        case inferenceLogMaxBytes = "VIGIL_INFERENCE_LOG_MAX_BYTES"
        case inferenceLogFsync = "VIGIL_INFERENCE_LOG_FSYNC"
    }

    /// Flags first, then `VIGIL_*` variables, then defaults; `defaultModel` when neither names a model.
    package init(flags: ServeFlags, environment: [String: String], defaultModel: () throws -> String) throws {
        func text(_ flag: String?, _ variable: Variable) -> String? {
            flag ?? environment[variable.rawValue].flatMap { $0.isEmpty ? nil : $0 }
        }
        func number(_ flag: Int?, _ variable: Variable, in range: ClosedRange<Int>) throws -> Int? {
            if let flag {
                guard range.contains(flag) else {
                    throw ConfigurationError(description: "\(variable.flag) must be in \(range), got \(flag)")
                }
                return flag
            }
            guard let raw = text(nil, variable) else { return nil }
            guard let value = Int(raw), range.contains(value) else {
                throw ConfigurationError(description: "\(variable.rawValue) must be a whole number in \(range), got '\(raw)'")
            }
            return value
        }
        self.init(model: try text(flags.model, .model) ?? defaultModel())
        host = text(flags.host, .host) ?? host
        port = try number(flags.port, .port, in: 0...65535) ?? port
        metricsPort = try number(flags.metricsPort, .metricsPort, in: 0...65535) ?? metricsPort
        modelName = text(flags.modelName, .modelName)
        modelVersion = text(flags.modelVersion, .modelVersion)
        profile = text(flags.profile, .profile)
        pollInterval = try number(flags.pollInterval, .pollInterval, in: 0...86_400) ?? pollInterval
        drift.windowSize = try number(flags.driftWindow, .driftWindow, in: 10...1_000_000) ?? drift.windowSize
        drift.maxAge = try number(flags.driftWindowSeconds, .driftWindowSeconds, in: 1...31_536_000).map { .seconds($0) }
        drift.minimumRows = try number(flags.driftMinRows, .driftMinRows, in: 1...1_000_000) ?? drift.minimumRows
        drift.maxFeatures = try number(flags.driftMaxFeatures, .driftMaxFeatures, in: 0...10_000) ?? drift.maxFeatures
        if let flag = flags.reportToMLflow {
            report.enabled = flag
        } else if let raw = text(nil, .reportToMLflow) {
            switch raw.lowercased() {
            case "1", "true", "yes", "on": report.enabled = true
            case "0", "false", "no", "off": report.enabled = false
            default:
                throw ConfigurationError(description: "VIGIL_REPORT_TO_MLFLOW must be true or false, got '\(raw)'")
            }
        }
        if let seconds = try number(flags.reportInterval, .reportInterval, in: 1...86_400) {
            report.interval = .seconds(seconds)
        }
        report.experiment = text(flags.reportExperiment, .reportExperiment) ?? report.experiment
        if let stack = environment["VIGIL_HTTP_STACK"], !stack.isEmpty {
            guard let parsed = HTTPStack(rawValue: stack) else {
                throw ConfigurationError(description: "VIGIL_HTTP_STACK must be nio or hummingbird, got '\(stack)'")
            }
            httpStack = parsed
        }
        if let raw = environment["VIGIL_EVENT_LOOPS"], !raw.isEmpty {
            guard let loops = Int(raw), (1...256).contains(loops) else {
                throw ConfigurationError(description: "VIGIL_EVENT_LOOPS must be a whole number in 1...256, got '\(raw)'")
            }
            eventLoops = loops
        }
        if let bytes = try number(flags.maxRequestBytes, .maxRequestBytes, in: 1...Int(Int32.max)) {
            limits.maxRequestBytes = bytes
        }
        if let runtime = text(flags.runtime, .runtime) {
            guard let choice = RuntimeChoice(rawValue: runtime) else {
                throw ConfigurationError(description: "--runtime must be auto, native or python, got '\(runtime)'")
            }
            loader.runtime = choice
        }
        loader.python.workers = try number(flags.workers, .workers, in: 1...64) ?? 1
        loader.python.python = text(flags.python, .python) ?? loader.python.python
        if let seconds = try number(flags.timeout, .timeout, in: 1...86_400) {
            loader.python.requestTimeout = .seconds(seconds)
        }
        func toggle(_ flag: Bool?, _ variable: Variable) throws -> Bool {
            if flag == true { return true }
            switch text(nil, variable)?.lowercased() {
            case nil, "0", "false", "no", "off": return false
            case "1", "true", "yes", "on": return true
            case let other?: throw ConfigurationError(description: "\(variable.rawValue) must be true or false, got '\(other)'")
            }
        }
        let inferenceLog = text(flags.inferenceLog, .inferenceLog)
        if try toggle(flags.feedback, .feedback) || inferenceLog != nil {
            var settings = FeedbackSettings()
            settings.window = try number(flags.feedbackWindow, .feedbackWindow, in: 1...10_000_000) ?? settings.window
            settings.qualityWindow = try number(flags.qualityWindow, .qualityWindow, in: 1...1_000_000) ?? settings.qualityWindow
            settings.inferenceLog = inferenceLog
            settings.inferenceLogMaxBytes =
                try number(flags.inferenceLogMaxBytes, .inferenceLogMaxBytes, in: 4096...Int(Int64.max / 2))
                ?? settings.inferenceLogMaxBytes
            settings.inferenceLogFsync = try toggle(flags.inferenceLogFsync, .inferenceLogFsync)
            feedback = settings
        }
        switch text(flags.envManager, .envManager) ?? "local" {
        case "local": loader.python.environmentManager = .local
        case "virtualenv":
            let cache = environment["VIGIL_CACHE_DIR"] ?? ((environment["HOME"] ?? "/tmp") + "/.cache/vigil")
            loader.python.environmentManager = .virtualenv(cacheDirectory: cache + "/venvs")
        case let other:
            throw ConfigurationError(description: "--env-manager must be local or virtualenv, got '\(other)'")
        }
    }
}

extension ServeConfiguration.Variable {
    /// The command-line flag that sets the same thing.
    package var flag: String {
        switch self {
        case .model: "--model"
        case .host: "--host"
        case .port: "--port"
        case .metricsPort: "--metrics-port"
        case .modelName: "--model-name"
        case .modelVersion: "--model-version"
        case .maxRequestBytes: "--max-request-bytes"
        case .runtime: "--runtime"
        case .workers: "--workers"
        case .python: "--python"
        case .envManager: "--env-manager"
        case .timeout: "--timeout"
        case .profile: "--profile"
        case .pollInterval: "--poll-interval"
        case .driftWindow: "--drift-window"
        case .driftWindowSeconds: "--drift-window-seconds"
        case .driftMinRows: "--drift-min-rows"
        case .driftMaxFeatures: "--drift-max-features"
        case .reportToMLflow: "--report-to-mlflow"
        case .reportInterval: "--report-interval"
        case .reportExperiment: "--report-experiment"
        case .feedback: "--feedback"
        case .feedbackWindow: "--feedback-window"
        case .qualityWindow: "--quality-window"
        case .inferenceLog: "--inference-log"
        case .inferenceLogMaxBytes: "--inference-log-max-bytes"
        case .inferenceLogFsync: "--inference-log-fsync"
        }
    }
}
