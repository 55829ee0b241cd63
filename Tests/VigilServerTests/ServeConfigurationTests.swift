import Testing
import VigilMonitoring

@testable import VigilServer

@Suite struct ServeConfigurationTests {
    @Test func defaultsServeTheDemoModelOnLoopback() throws {
        let configuration = try ServeConfiguration(flags: ServeFlags(), environment: [:], defaultModel: { "demo" })
        #expect(configuration.model == "demo")
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8000)
        #expect(configuration.metricsPort == 8001)
        #expect(configuration.limits.maxRequestBytes == 100_000_000)
        #expect(configuration.modelName == nil && configuration.modelVersion == nil)
    }

    @Test func environmentFillsWhatFlagsLeaveOut() throws {
        let environment = [
            "VIGIL_MODEL": "/models/a", "VIGIL_HOST": "0.0.0.0", "VIGIL_PORT": "9000", "VIGIL_METRICS_PORT": "9001",
            "VIGIL_MODEL_NAME": "churn", "VIGIL_MODEL_VERSION": "5", "VIGIL_MAX_REQUEST_BYTES": "2048",
        ]
        let configuration = try ServeConfiguration(
            flags: ServeFlags(port: 7000, modelVersion: "6"), environment: environment, defaultModel: { "unused" })
        #expect(configuration.model == "/models/a")
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 7000)
        #expect(configuration.metricsPort == 9001)
        #expect(configuration.modelName == "churn")
        #expect(configuration.modelVersion == "6")
        #expect(configuration.limits.maxRequestBytes == 2048)
    }

    @Test func aBadNumberNamesItsSource() {
        #expect(throws: ConfigurationError.self) {
            try ServeConfiguration(flags: ServeFlags(), environment: ["VIGIL_PORT": "eighty"], defaultModel: { "m" })
        }
        do {
            _ = try ServeConfiguration(flags: ServeFlags(metricsPort: 70000), environment: [:], defaultModel: { "m" })
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("--metrics-port"))
        }
    }

    @Test func driftWindowSettings() throws {
        var flags = ServeFlags()
        flags.driftWindow = 5000
        let configuration = try ServeConfiguration(
            flags: flags, environment: ["VIGIL_DRIFT_WINDOW": "50", "VIGIL_DRIFT_WINDOW_SECONDS": "600", "VIGIL_DRIFT_MIN_ROWS": "100"],
            defaultModel: { "m" })
        #expect(configuration.drift.windowSize == 5000)
        #expect(configuration.drift.maxAge == .seconds(600))
        #expect(configuration.drift.minimumRows == 100)
        #expect(configuration.drift.maxFeatures == 100)
        #expect(try ServeConfiguration(flags: ServeFlags(), environment: [:], defaultModel: { "m" }).drift == DriftSettings())
        #expect(throws: ConfigurationError.self) {
            try ServeConfiguration(flags: ServeFlags(), environment: ["VIGIL_DRIFT_WINDOW": "0"], defaultModel: { "m" })
        }
    }

    @Test func eventLoopsComeFromTheEnvironment() throws {
        #expect(try ServeConfiguration(flags: ServeFlags(), environment: [:], defaultModel: { "m" }).eventLoops == nil)
        #expect(try ServeConfiguration(flags: ServeFlags(), environment: ["VIGIL_EVENT_LOOPS": "4"], defaultModel: { "m" }).eventLoops == 4)
        #expect(throws: ConfigurationError.self) {
            try ServeConfiguration(flags: ServeFlags(), environment: ["VIGIL_EVENT_LOOPS": "0"], defaultModel: { "m" })
        }
    }

    @Test func theDefaultModelIsOnlyLookedForWhenNoneIsNamed() throws {
        let configuration = try ServeConfiguration(
            flags: ServeFlags(model: "/m"), environment: [:], defaultModel: { throw ConfigurationError(description: "no demo") })
        #expect(configuration.model == "/m")
    }

    @Test func reportingIsOptInWithIntervalAndExperiment() throws {
        let defaults = try ServeConfiguration(flags: ServeFlags(), environment: [:], defaultModel: { "m" })
        #expect(defaults.report == ReportSettings(enabled: false, interval: .seconds(60), experiment: "vigil-serving"))
        let environment = ["VIGIL_REPORT_TO_MLFLOW": "true", "VIGIL_REPORT_INTERVAL": "5", "VIGIL_REPORT_EXPERIMENT": "prod"]
        let fromEnvironment = try ServeConfiguration(flags: ServeFlags(), environment: environment, defaultModel: { "m" })
        #expect(fromEnvironment.report == ReportSettings(enabled: true, interval: .seconds(5), experiment: "prod"))
        let flagsWin = try ServeConfiguration(
            flags: ServeFlags(reportToMLflow: false, reportInterval: 1), environment: environment, defaultModel: { "m" })
        #expect(flagsWin.report == ReportSettings(enabled: false, interval: .seconds(1), experiment: "prod"))
        #expect(throws: ConfigurationError.self) {
            try ServeConfiguration(flags: ServeFlags(), environment: ["VIGIL_REPORT_TO_MLFLOW": "maybe"], defaultModel: { "m" })
        }
        #expect(throws: ConfigurationError.self) {
            try ServeConfiguration(flags: ServeFlags(reportInterval: 0), environment: [:], defaultModel: { "m" })
        }
    }
}
