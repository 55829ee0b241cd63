import Foundation
import Logging
import Testing
import VigilModel

@testable import VigilPython

#if canImport(Glibc)
import Glibc
#endif

/// Real Python workers on the committed fixtures; answers must be byte-identical to MLflow's.
/// Serialized: each test starts Python processes, and the machine has two cores.
@Suite(.serialized, .enabled(if: TestPython.withMLflow != nil, TestPython.skipReason))
struct PythonWorkerPoolTests {
    let python = TestPython.withMLflow!

    @Test(arguments: PyfuncFixture.answered.map(PyfuncFixture.init(name:)))
    func answersLikeMLflow(_ fixture: PyfuncFixture) async throws {
        let expected = fixture.expected
        let pool = PythonWorkerPool(configuration: fixture.configuration(python: python), logger: .test)
        try await pool.start()
        for request in expected.requests {
            let answer = await pool.answer(request.body, contentType: request.contentType)
            #expect(answer.status == request.status, "\(fixture.name)/\(request.name)")
            #expect(answer.contentType == request.responseContentType, "\(fixture.name)/\(request.name)")
            #expect(answer.body == fixture.expectedBody(request, python: python), "\(fixture.name)/\(request.name)")
            #expect((answer.reason == nil) == (request.status == 200), "\(fixture.name)/\(request.name)")
        }
        await pool.shutdown()
    }

    @Test func labelsFailuresByReason() async throws {
        let custom = PyfuncFixture(name: "custom_dataframe_params")
        let pool = PythonWorkerPool(configuration: custom.configuration(python: python), logger: .test)
        try await pool.start()
        let json = "application/json"
        #expect(await pool.answer(#"{"dataframe_records": [{"a": 1}]}"#, contentType: json).reason == .schema)
        #expect(await pool.answer("{", contentType: json).reason == .badRequest)
        #expect(await pool.answer("a,b\n1,2\n", contentType: "text/plain").reason == .badRequest)
        #expect(await pool.answer("{}", contentType: nil).reason == .badRequest)
        await pool.shutdown()

        let raises = PyfuncFixture(name: "raises")
        let failing = PythonWorkerPool(configuration: raises.configuration(python: python), logger: .test)
        try await failing.start()
        let answer = await failing.answer(#"{"inputs": {"a": [1]}}"#, contentType: json)
        #expect(answer.status == 400)
        #expect(answer.reason == .modelError)
        await failing.shutdown()
    }

    @Test func restartsAWorkerKilledMidRequest() async throws {
        let sleeps = PyfuncFixture(name: "sleeps")
        var configuration = sleeps.configuration(python: python)
        configuration.requestTimeout = .seconds(60)
        let pool = PythonWorkerPool(configuration: configuration, logger: .test)
        try await pool.start()
        let pid = try #require(pool.workerProcessIDs[0])

        let slow = Task { await pool.answer(Self.sleep(seconds: 30), contentType: "application/json") }
        try await Task.sleep(for: .milliseconds(500))
        kill(pid, SIGKILL)
        let crashed = await slow.value
        #expect(crashed.status == 500)
        #expect(crashed.reason == .workerCrash)
        #expect(crashed.body.contains("INTERNAL_ERROR"))

        // The next request waits for the restarted worker.
        let next = await pool.answer(Self.sleep(seconds: 0), contentType: "application/json")
        #expect(next == Answer(status: 200, contentType: "application/json", body: #"{"predictions": [0.0]}"#))
        let newPID = try #require(pool.workerProcessIDs[0])
        #expect(newPID != pid)
        await pool.shutdown()
    }

    @Test func answers504AndRestartsAStuckWorker() async throws {
        let sleeps = PyfuncFixture(name: "sleeps")
        let pool = PythonWorkerPool(configuration: sleeps.configuration(python: python), logger: .test)
        try await pool.start()
        let pid = try #require(pool.workerProcessIDs[0])

        let started = ContinuousClock.now
        let answer = await pool.answer(Self.sleep(seconds: 30), contentType: "application/json")
        #expect(answer.status == 504)
        #expect(answer.contentType == "application/json")
        #expect(answer.body == "Request processing time exceeded limit")
        #expect(answer.reason == .timeout)
        #expect(ContinuousClock.now - started < .seconds(20))

        // The fixture's timeout is short: wait for the restarted worker before the next request.
        let restarted = try await Self.waitForWorker(pool, other: pid)
        #expect(restarted != pid)
        #expect(kill(pid, 0) == -1)  // killed and reaped
        let next = await pool.answer(Self.sleep(seconds: 0), contentType: "application/json")
        #expect(next.status == 200)
        await pool.shutdown()
    }

    @Test func answersConcurrentRequestsAcrossTwoWorkers() async throws {
        let fixture = PyfuncFixture(name: "custom_dataframe_params")
        let expected = fixture.expected
        let pool = PythonWorkerPool(configuration: fixture.configuration(python: python, workers: 2), logger: .test)
        try await pool.start()
        #expect(pool.workerProcessIDs.compactMap { $0 }.count == 2)

        let python = self.python
        let mismatches = await withTaskGroup(of: String?.self) { group in
            for index in 0..<60 {
                let request = expected.requests[index % expected.requests.count]
                group.addTask {
                    let answer = await pool.answer(request.body, contentType: request.contentType)
                    let wanted = Answer(
                        status: request.status,
                        contentType: request.responseContentType,
                        body: fixture.expectedBody(request, python: python),
                        reason: answer.reason
                    )
                    return answer == wanted ? nil : "\(request.name): \(answer)"
                }
            }
            var mismatches: [String] = []
            for await mismatch in group {
                if let mismatch { mismatches.append(mismatch) }
            }
            return mismatches
        }
        #expect(mismatches == [])
        await pool.shutdown()
    }

    @Test func answers503WhenTheQueueIsFull() async throws {
        let sleeps = PyfuncFixture(name: "sleeps")
        var configuration = sleeps.configuration(python: python)
        configuration.requestTimeout = .seconds(60)
        configuration.maximumQueuedRequests = 1
        let pool = PythonWorkerPool(configuration: configuration, logger: .test)
        try await pool.start()

        let busy = Task { await pool.answer(Self.sleep(seconds: 1.5), contentType: "application/json") }
        try await Task.sleep(for: .milliseconds(300))
        let queued = Task { await pool.answer(Self.sleep(seconds: 0), contentType: "application/json") }
        try await Task.sleep(for: .milliseconds(300))
        let rejected = await pool.answer(Self.sleep(seconds: 0), contentType: "application/json")
        #expect(rejected.status == 503)
        #expect(rejected.reason == .overloaded)
        #expect(rejected.body.hasPrefix("TEMPORARILY_UNAVAILABLE: The Python worker is busy and 1 requests"))
        #expect(await busy.value.status == 200)
        #expect(await queued.value.status == 200)
        await pool.shutdown()
    }

    @Test func shutdownStopsEveryWorker() async throws {
        let fixture = PyfuncFixture(name: "custom_dataframe_params")
        let pool = PythonWorkerPool(configuration: fixture.configuration(python: python, workers: 2), logger: .test)
        try await pool.start()
        let pids = pool.workerProcessIDs.compactMap { $0 }
        #expect(pids.count == 2)
        await pool.shutdown()
        for pid in pids {
            #expect(kill(pid, 0) == -1)
        }
        let after = await pool.answer(#"{"inputs": {"a": [1], "b": [2]}}"#, contentType: "application/json")
        #expect(after.status == 503)
        #expect(after.reason == .overloaded)
        await pool.shutdown()  // a second shutdown returns at once
    }

    @Test func shutdownLetsABusyWorkerAnswer() async throws {
        let sleeps = PyfuncFixture(name: "sleeps")
        var configuration = sleeps.configuration(python: python)
        configuration.requestTimeout = .seconds(60)
        let pool = PythonWorkerPool(configuration: configuration, logger: .test)
        try await pool.start()
        let busy = Task { await pool.answer(Self.sleep(seconds: 1), contentType: "application/json") }
        try await Task.sleep(for: .milliseconds(300))
        await pool.shutdown()
        #expect(await busy.value == Answer(status: 200, contentType: "application/json", body: #"{"predictions": [1.0]}"#))
    }

    @Test func failsToStartWithTheLoadError() async throws {
        let fixture = PyfuncFixture(name: "missing_dependency")
        var configuration = fixture.configuration(python: python, workers: 2)
        configuration.environment = [:]
        let pool = PythonWorkerPool(configuration: configuration, logger: .test)
        let error = await #expect(throws: PythonWorkerError.self) { try await pool.start() }
        let message = try #require(error).description
        #expect(message.contains("Failed to load the MLflow model at \(fixture.modelPath)"))
        #expect(message.contains("ModuleNotFoundError"))
        #expect(message.contains("'vigil_fixture_not_installed'"))
        #expect(message.contains("requirements.txt"))
        #expect(pool.workerProcessIDs.allSatisfy { $0 == nil })
    }

    @Test func saysWhenPythonIsMissing() async throws {
        var configuration = PyfuncFixture(name: "raises").configuration(python: python)
        configuration.python = "/nonexistent/bin/python3"
        let pool = PythonWorkerPool(configuration: configuration, logger: .test)
        await #expect(throws: PythonWorkerError.pythonNotFound(python: "/nonexistent/bin/python3")) {
            try await pool.start()
        }
        configuration.python = "vigil-no-such-python"
        let onPath = PythonWorkerPool(configuration: configuration, logger: .test)
        await #expect(throws: PythonWorkerError.pythonNotFound(python: "vigil-no-such-python")) {
            try await onPath.start()
        }
    }

    @Test(.enabled(if: TestPython.withoutMLflow != nil, "every Python here has mlflow"))
    func saysWhenMLflowIsMissing() async throws {
        var configuration = PyfuncFixture(name: "raises").configuration(python: python)
        configuration.python = TestPython.withoutMLflow!
        let pool = PythonWorkerPool(configuration: configuration, logger: .test)
        let error = await #expect(throws: PythonWorkerError.self) { try await pool.start() }
        let message = try #require(error).description
        #expect(message.contains("cannot import mlflow"))
        #expect(message.contains("-m pip install mlflow"))
    }

    @Test func runsTheWorkerFromAFileToo() async throws {
        let fixture = PyfuncFixture(name: "custom_dataframe_params")
        var configuration = fixture.configuration(python: python)
        configuration.workerScript = WorkerScriptTests.sourcePath
        let pool = PythonWorkerPool(configuration: configuration, logger: .test)
        try await pool.start()
        let request = fixture.expected.requests[1]
        let answer = await pool.answer(request.body, contentType: request.contentType)
        #expect(answer.body == request.responseBody)
        await pool.shutdown()
    }

    /// Waits until slot 0 runs a ready worker other than `other`, and returns its pid.
    static func waitForWorker(_ pool: PythonWorkerPool, other: Int32) async throws -> Int32 {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let pid = pool.workerProcessIDs[0], pid != other {
                return pid
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CancellationError()
    }

    static func sleep(seconds: Double) -> String {
        #"{"dataframe_split": {"columns": ["seconds"], "data": [[\#(seconds)]]}}"#
    }
}

extension Answer {
    init(status: Int, contentType: String, body: String, reason: ScoringError.Reason? = nil) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.reason = reason
    }
}
