import Foundation
import Logging
import NIOCore
import Testing
import VigilModel

@testable import VigilPython

/// A model under Tests/Fixtures/pyfunc/<name>/ with MLflow's recorded answers (python/fixtures/make_pyfunc.py).
struct PyfuncFixture: Sendable, CustomTestStringConvertible {
    struct Expected: Decodable, Sendable {
        var mlflowVersion: String
        var pythonPrefix: String
        var fixturesDir: String
        var pythonHashSeed: String?
        var timeoutSeconds: Int
        var requests: [Request]
    }

    struct Request: Decodable, Sendable {
        var name: String
        var contentType: String?
        var body: String
        var status: Int
        var responseContentType: String
        var responseBody: String
    }

    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/pyfunc")

    static let answered = ["sklearn_pipeline", "sklearn_pipeline_proba", "custom_dataframe_params", "raises", "sleeps"]

    let name: String
    var testDescription: String { name }

    var modelPath: String { Self.root.appendingPathComponent("\(name)/model").path }

    var expected: Expected { recorded! }

    /// MLflow's answers; nil for a model that does not load.
    var recorded: Expected? {
        guard let data = try? Data(contentsOf: Self.root.appendingPathComponent("\(name)/expected.json")) else {
            return nil
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try! decoder.decode(Expected.self, from: data)
    }

    /// The recorded body, with the paths of this machine in place of the recording's (stack traces name them).
    func expectedBody(_ request: Request, python: TestPython) -> String {
        request.responseBody
            .replacingOccurrences(of: expected.fixturesDir, with: Self.root.path)
            .replacingOccurrences(of: expected.pythonPrefix, with: python.prefix)
    }

    /// A pool configuration for this fixture, run like the recording (same PYTHONHASHSEED and timeout).
    func configuration(python: TestPython, workers: Int = 1) -> PythonWorkerConfiguration {
        var configuration = PythonWorkerConfiguration(modelPath: modelPath)
        configuration.python = python.executable
        configuration.workers = workers
        configuration.requestTimeout = .seconds(recorded?.timeoutSeconds ?? 60)
        configuration.environment = ["PYTHONHASHSEED": recorded?.pythonHashSeed ?? "0", "OMP_NUM_THREADS": "1"]
        return configuration
    }
}

/// The Python the tests run workers with: `VIGIL_PYTHON`, else the package's `.venv` (scripts/test),
/// else /work/main/.venv, else `python3`, whichever first has mlflow.
struct TestPython: Sendable {
    let executable: String
    let prefix: String

    static let withMLflow: TestPython? = {
        let packageRoot = PyfuncFixture.root.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var candidates = [
            packageRoot.appendingPathComponent(".venv/bin/python").path, "/work/main/.venv/bin/python", "python3",
        ]
        if let chosen = ProcessInfo.processInfo.environment["VIGIL_PYTHON"] {
            candidates.insert(chosen, at: 0)
        }
        for candidate in candidates {
            if let prefix = run(candidate, "import mlflow, sys; print(sys.prefix)") {
                return TestPython(executable: candidate, prefix: prefix)
            }
        }
        return nil
    }()

    /// A Python 3 that lacks mlflow, to check the message that says so.
    static let withoutMLflow: String? = {
        for candidate in ["/usr/bin/python3", "python3"] {
            if run(candidate, "import sys; print(sys.prefix)") != nil && run(candidate, "import mlflow") == nil {
                return candidate
            }
        }
        return nil
    }()

    static let skipReason: Comment =
        "no Python with mlflow: set VIGIL_PYTHON, or run scripts/test to build .venv"

    private static func run(_ python: String, _ code: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", code]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// What came back for one request, whether answered by MLflow or by Vigil itself.
struct Answer: Equatable, CustomStringConvertible {
    var status: Int
    var contentType: String
    var body: String
    var reason: ScoringError.Reason?

    init(_ response: PythonResponse) {
        self.status = response.status
        self.contentType = response.contentType
        self.body = String(buffer: response.body)
        self.reason = response.reason
    }

    init(_ error: ScoringError) {
        self.status = error.status
        self.reason = error.reason
        switch error.body {
        case .text(let text, let contentType):
            self.body = text
            self.contentType = contentType
        case .mlflow(let code, let message, _, _, _):
            self.body = "\(code.rawValue): \(message)"
            self.contentType = "application/json"
        }
    }

    var description: String { "\(status) \(contentType) \(reason.map { "\($0)" } ?? "-") \(body.prefix(300))" }
}

extension PythonWorkerPool {
    /// Sends one request and returns what came back, thrown or not.
    func answer(_ body: String, contentType: String?) async -> Answer {
        do {
            return Answer(try await score(body: Array(body.utf8), contentType: contentType))
        } catch {
            return Answer(error)
        }
    }
}

extension Logger {
    static let test: Logger = {
        var logger = Logger(label: "vigil.python.test")
        logger.logLevel = ProcessInfo.processInfo.environment["VIGIL_TEST_LOG"] != nil ? .debug : .critical
        return logger
    }()
}
