import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import VigilModel
import VigilMonitoring

@testable import VigilServer

/// Request ids, `POST /feedback` and the inference log, on the demo model through Hummingbird's
/// test client (the NIO stack is exercised end to end by e2e/test_feedback.py).
@Suite struct FeedbackTests {
    static let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/demo").path
    static let example = try! Data(contentsOf: URL(fileURLWithPath: demo + "/serving_input_example.json"))
    static let requestID = HTTPField.Name("x-request-id")!

    struct Setup {
        var registry: MetricsRegistry
        var served: ServedModel
        var feedback: FeedbackRecorder?
        var application: Application<ScoringResponder>
    }

    static func setup(feedback settings: ServeConfiguration.FeedbackSettings? = ServeConfiguration.FeedbackSettings()) async throws -> Setup {
        let registry = MetricsRegistry(buildVersion: "test")
        var configuration = ServeConfiguration(model: demo)
        configuration.feedback = settings
        let service = VigilService(configuration: configuration, logger: Logger(label: "test"))
        let served = try await service.loadModel(registry: registry)
        let feedback = try service.makeFeedback(registry: registry, served: served)
        let endpoint = ScoringEndpoint(slot: ModelSlot(served), limits: ScoringLimits(), feedback: feedback)
        return Setup(registry: registry, served: served, feedback: feedback, application: Application(responder: ScoringResponder(endpoint: endpoint)))
    }

    static func invoke(_ client: some TestClientProtocol, id: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let id { headers[requestID] = id }
        return try await client.execute(uri: "/invocations", method: .post, headers: headers, body: ByteBuffer(bytes: example))
    }

    static func postFeedback(_ client: some TestClientProtocol, _ body: String) async throws -> (Int, [String: Any]) {
        let response = try await client.execute(uri: "/feedback", method: .post, body: ByteBuffer(string: body))
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
        return (Int(response.status.code), object)
    }

    // MARK: - Request ids

    @Test func validIDsAreVisibleASCIIUpTo128() {
        #expect(RequestID.isValid("abc-123_X.y:z/1"))
        #expect(RequestID.isValid(String(repeating: "a", count: 128)))
        #expect(!RequestID.isValid(String(repeating: "a", count: 129)))
        #expect(!RequestID.isValid(""))
        #expect(!RequestID.isValid("has space"))
        #expect(!RequestID.isValid("tab\there"))
        #expect(!RequestID.isValid("é"))
    }

    @Test func generatedIDsAreUniqueWithTheProcessPrefix() {
        let ids = (0..<1000).map { _ in RequestID.next() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { $0.hasPrefix(RequestID.prefix) && RequestID.isValid($0) })
        #expect(RequestID.prefix.count == 13)
        #expect(RequestID.resolve("mine") == "mine")
        #expect(RequestID.resolve("not mine").hasPrefix(RequestID.prefix))
    }

    @Test func everyAnswerCarriesARequestID() async throws {
        for settings in [nil, ServeConfiguration.FeedbackSettings()] {
            let app = try await Self.setup(feedback: settings).application
            try await app.test(.router) { client in
                let echoed = try await Self.invoke(client, id: "client-id-1")
                #expect(echoed.status == .ok)
                #expect(echoed.headers[Self.requestID] == "client-id-1")
                let replaced = try await Self.invoke(client, id: String(repeating: "x", count: 129))
                #expect(replaced.headers[Self.requestID]?.hasPrefix(RequestID.prefix) == true)
                let a = try await Self.invoke(client), b = try await Self.invoke(client)
                #expect(a.headers[Self.requestID] != nil && a.headers[Self.requestID] != b.headers[Self.requestID])
                // A failed request has one too: it is the id to quote in a support ticket.
                let failed = try await client.execute(
                    uri: "/invocations", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{"))
                #expect(failed.status == .badRequest && failed.headers[Self.requestID] != nil)
            }
        }
    }

    // MARK: - POST /feedback

    @Test func feedbackIsOffByDefault() async throws {
        let setup = try await Self.setup(feedback: nil)
        #expect(setup.served.quality == nil)
        try await setup.application.test(.router) { client in
            let (status, body) = try await Self.postFeedback(client, #"{"feedback": []}"#)
            #expect(status == 404)
            #expect(body["error_code"] as? String == "ENDPOINT_NOT_FOUND")
        }
    }

    @Test func aMalformedBodyIs400WithMLflowsErrorBody() async throws {
        try await Self.setup().application.test(.router) { client in
            for body in ["{", "[]", #"{"labels": []}"#, #"{"feedback": {"request_id": "a"}}"#, ""] {
                let (status, object) = try await Self.postFeedback(client, body)
                #expect(status == 400, "\(body)")
                #expect(object["error_code"] as? String == "BAD_REQUEST", "\(body)")
                #expect((object["message"] as? String)?.isEmpty == false)
            }
            let wrongMethod = try await client.execute(uri: "/feedback", method: .get)
            #expect(wrongMethod.status == .methodNotAllowed)
        }
    }

    @Test func entriesParse() {
        func parse(_ json: String) -> Result<(String, [OutcomeValue]), FeedbackRecorder.EntryError> {
            let value = Array(json.utf8).withUnsafeBytes { try! JSONReader.parseDocument($0) }
            return FeedbackRecorder.parseEntry(value)
        }
        func labels(_ json: String) -> [OutcomeValue]? { try? parse(json).get().1 }
        #expect(labels(#"{"request_id": "a", "label": 1}"#) == [.number(1)])
        #expect(labels(#"{"request_id": "a", "label": true}"#) == [.number(1)])
        #expect(labels(#"{"request_id": "a", "label": "cat"}"#) == [.text("cat")])
        #expect(labels(#"{"request_id": "a", "labels": [0, 1.5, "x"]}"#) == [.number(0), .number(1.5), .text("x")])
        for bad in [
            #"{"label": 1}"#, #"{"request_id": 7, "label": 1}"#, #"{"request_id": "a"}"#, #"{"request_id": "a", "label": null}"#,
            #"{"request_id": "a", "labels": []}"#, #"{"request_id": "a", "labels": 1}"#, #"{"request_id": "a", "label": [1]}"#,
            #"{"request_id": "a", "label": 1, "labels": [1]}"#, #"[1]"#,
        ] {
            #expect((try? parse(bad).get()) == nil, "\(bad)")
        }
    }

    @Test func labelsMatchTheirRequestsOnce() async throws {
        let setup = try await Self.setup()
        try await setup.application.test(.router) { client in
            _ = try await Self.invoke(client, id: "r1")
            _ = try await Self.invoke(client, id: "r2")
            // The demo example's five rows are predicted [0, 0, 0, 1, 0].
            let (status, counts) = try await Self.postFeedback(client, """
                {"feedback": [{"request_id": "r1", "labels": [0, 0, 0, 1, 1]}, {"request_id": "r1", "labels": [0, 0, 0, 1, 1]},
                 {"request_id": "r2", "label": 1}, {"request_id": "unseen", "label": 0}, {"label": 0}]}
                """)
            #expect(status == 200)
            #expect(counts["matched"] as? Int == 1)
            #expect(counts["duplicate"] as? Int == 1)
            #expect(counts["unknown"] as? Int == 1)
            #expect(counts["invalid"] as? Int == 2)
            #expect(counts["rows"] as? Int == 5)
            #expect((counts["errors"] as? [[String: Any]])?.first?["index"] as? Int == 2)
        }
        let scores = setup.served.quality!.scores()
        #expect(scores["accuracy"] == 0.8)
        #expect(scores["auc"] != nil && scores["log_loss"] != nil)
        setup.served.quality!.updateScores()
        let text = String(decoding: setup.registry.exposition(accept: nil).body, as: UTF8.self)
        #expect(text.contains(#"metric="accuracy"} 0.8"#))
        #expect(text.contains(#"mlflow_feedback_unmatched_total{reason="unknown"} 1"#))
    }

    // MARK: - The store

    @Test func theStoreForgetsItsOldestRequests() async throws {
        let setup = try await Self.setup()
        let quality = setup.served.quality!
        let store = FeedbackStore(capacity: 64)
        for i in 0..<1000 {
            store.remember("id-\(i)", RememberedPrediction(quality: quality, predictions: [.number(1)], probabilities: nil))
        }
        #expect(store.count <= 64)
        #expect(store.label("id-999", [.number(1)]) == .matched(rows: 1))
        #expect(store.label("id-0", [.number(1)]) == .unknown)
        // A reused id replaces the earlier request; the ring's stale slot must not evict the new one.
        store.remember("again", RememberedPrediction(quality: quality, predictions: [.number(0)], probabilities: nil))
        store.remember("again", RememberedPrediction(quality: quality, predictions: [.number(0), .number(1)], probabilities: nil))
        #expect(store.label("again", [.number(0)]) == .invalid("1 label(s) for a request of 2 row(s)"))
    }

    // MARK: - The inference log

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "vigil-log-" + UUID().uuidString
        return path
    }

    @Test func theLogRotatesWithinItsSize() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try InferenceLog(directory: directory, maxBytes: 4096)
        let line = Array(String(repeating: "x", count: 99).utf8)
        for _ in 0..<500 { try log.append(line) }
        let files = InferenceLog.files(in: directory)
        let total = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1.path)[.size] as? Int) ?? 0) }
        #expect(total <= 4096)
        #expect(files.count >= 7)
        #expect(InferenceLog.newestLines(in: directory, limit: 3).count == 3)
    }

    @Test func feedbackMatchesRequestsAnsweredBeforeARestart() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = ServeConfiguration.FeedbackSettings()
        settings.inferenceLog = directory
        try await Self.setup(feedback: settings).application.test(.router) { client in
            _ = try await Self.invoke(client, id: "before-restart")
        }
        // Torn last line, as a crash mid-write leaves it: skipped at reload.
        let handle = FileHandle(forWritingAtPath: InferenceLog.files(in: directory).last!.path)!
        handle.seekToEndOfFile()
        handle.write(Data(#"{"request_id": "torn", "pred"#.utf8))
        try handle.close()
        let restarted = try await Self.setup(feedback: settings)
        #expect(restarted.feedback!.store.count == 1)
        try await restarted.application.test(.router) { client in
            let (_, counts) = try await Self.postFeedback(
                client, #"{"feedback": [{"request_id": "before-restart", "labels": [0, 0, 0, 1, 0]}, {"request_id": "torn", "label": 1}]}"#)
            #expect(counts["matched"] as? Int == 1)
            #expect(counts["unknown"] as? Int == 1)
        }
        #expect(restarted.served.quality!.scores()["accuracy"] == 1)
        let record = InferenceLog.newestLines(in: directory, limit: 10).first!
        let object = try JSONSerialization.jsonObject(with: Data(record)) as! [String: Any]
        #expect(object["request_id"] as? String == "before-restart")
        #expect(object["model_name"] as? String == "demo")
        #expect((object["features"] as? [String: Any])?["columns"] as? [String] != nil)
        #expect((object["probabilities"] as? [Double])?.count == 5)
    }
}
