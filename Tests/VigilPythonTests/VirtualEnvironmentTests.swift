import Foundation
import Testing

@testable import VigilPython

/// `--env-manager virtualenv` with real venvs. By default offline: a model whose requirements are empty
/// gets a venv without mlflow, which the worker then reports. VIGIL_PYTHON_VENV_FULL=1 also builds the
/// custom model's real environment (pip-installs mlflow and friends: minutes, and a package index).
@Suite(.serialized, .enabled(if: TestPython.withMLflow != nil, TestPython.skipReason))
struct VirtualEnvironmentTests {
    let python = TestPython.withMLflow!

    /// A copy of the custom model with its own python_env.yaml and requirements.txt.
    func model(requirements: String, in directory: URL) throws -> String {
        let source = URL(fileURLWithPath: PyfuncFixture(name: "custom_dataframe_params").modelPath)
        let model = directory.appendingPathComponent("model")
        try FileManager.default.copyItem(at: source, to: model)
        try "python: 3.11.7\nbuild_dependencies:\ndependencies:\n- -r requirements.txt\n"
            .write(to: model.appendingPathComponent("python_env.yaml"), atomically: true, encoding: .utf8)
        try requirements.write(to: model.appendingPathComponent("requirements.txt"), atomically: true, encoding: .utf8)
        return model.path
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-venv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func buildsTheVenvOnceAndRunsTheWorkersInIt() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = directory.appendingPathComponent("cache").path
        var configuration = PythonWorkerConfiguration(modelPath: try model(requirements: "# none\n", in: directory))
        configuration.python = python.executable
        configuration.environmentManager = .virtualenv(cacheDirectory: cache)

        let first = await #expect(throws: PythonWorkerError.self) {
            try await PythonWorkerPool(configuration: configuration, logger: .test).start()
        }
        let environments = try FileManager.default.contentsOfDirectory(atPath: cache).filter { !$0.hasSuffix(".lock") }
        #expect(environments.count == 1)
        let venvPython = "\(cache)/\(environments[0])/bin/python"
        #expect(first?.description.hasPrefix("\(venvPython) cannot import mlflow") == true, "\(String(describing: first))")

        let marker = "\(cache)/\(environments[0])/.vigil-ready"
        let built = try FileManager.default.attributesOfItem(atPath: marker)[.modificationDate] as? Date
        let second = await #expect(throws: PythonWorkerError.self) {
            try await PythonWorkerPool(configuration: configuration, logger: .test).start()
        }
        #expect(second == first)
        #expect(try FileManager.default.attributesOfItem(atPath: marker)[.modificationDate] as? Date == built)
    }

    @Test func saysWhyTheVenvCouldNotBeBuilt() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = directory.appendingPathComponent("cache").path
        var configuration = PythonWorkerConfiguration(
            modelPath: try model(requirements: "vigil-no-such-package==1.0\n", in: directory)
        )
        configuration.python = python.executable
        configuration.environmentManager = .virtualenv(cacheDirectory: cache)
        configuration.environment = ["PIP_NO_INDEX": "1"]  // fail offline, fast

        let error = await #expect(throws: PythonWorkerError.self) {
            try await PythonWorkerPool(configuration: configuration, logger: .test).start()
        }
        let message = try #require(error).description
        #expect(message.hasPrefix("Building the virtualenv of the model at \(configuration.modelPath)"))
        #expect(message.contains("vigil-no-such-package==1.0"))
        #expect(message.contains("-m pip install"))
        // A failed build leaves no environment behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache).allSatisfy { $0.hasSuffix(".lock") })
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_PYTHON_VENV_FULL"] != nil, "set VIGIL_PYTHON_VENV_FULL=1"))
    func answersLikeMLflowFromTheModelsOwnVenv() async throws {
        let fixture = PyfuncFixture(name: "custom_dataframe_params")
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = fixture.configuration(python: python)
        configuration.environmentManager = .virtualenv(cacheDirectory: directory.path)
        configuration.loadTimeout = .seconds(120)
        let pool = PythonWorkerPool(configuration: configuration, logger: .test)
        try await pool.start()
        for request in fixture.expected.requests {
            let answer = await pool.answer(request.body, contentType: request.contentType)
            #expect(answer.status == request.status, "\(request.name)")
            #expect(answer.body == request.responseBody, "\(request.name)")
        }
        await pool.shutdown()
    }
}
