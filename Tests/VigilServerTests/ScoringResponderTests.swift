import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import VigilModel
import VigilMonitoring

@testable import VigilServer

/// The scoring protocol through Hummingbird's test client: MLflow's recorded answers
/// (Tests/Fixtures/protocol/cases.json) come back with the same status, content type and, for
/// every answer that is not a model error, the same body.
@Suite struct ScoringResponderTests {
    static let protocolDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/protocol")

    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        struct Expected: Decodable, Sendable {
            var status: Int
            var content_type: String
            var body: String
        }
        var name: String
        var model: String
        var content_type: String?
        var body: String?
        var body_base64: String?
        var expected: Expected
        var testDescription: String { name }

        var bytes: [UInt8] {
            if let body_base64, let data = Data(base64Encoded: body_base64) { return Array(data) }
            return Array((body ?? "").utf8)
        }
    }

    static let cases: [Case] = {
        struct File: Decodable { var cases: [Case] }
        let data = (try? Data(contentsOf: protocolDirectory.appendingPathComponent("cases.json"))) ?? Data()
        return (try? JSONDecoder().decode(File.self, from: data).cases) ?? []
    }()

    /// Where Vigil answers on purpose what MLflow does not (README, "Where Vigil differs from MLflow").
    static let differs: Set<String> = [
        "ct_parquet", "ct_parquet_garbage", "nosig_split_reordered", "nosig_split_extra_column",
        "nosig_inputs_columnar", "nosig_instances", "nosig_split_empty",
    ]

    static func application(model: String, limits: ScoringLimits = ScoringLimits()) async throws
        -> some ApplicationProtocol
    {
        let registry = MetricsRegistry(buildVersion: "test")
        var configuration = ServeConfiguration(model: protocolDirectory.appendingPathComponent(model).path)
        configuration.loader.runtime = .native
        let served = try await VigilService(configuration: configuration, logger: Logger(label: "test"))
            .loadModel(registry: registry)
        let endpoint = ScoringEndpoint(slot: ModelSlot(served), limits: limits)
        return Application(responder: ScoringResponder(endpoint: endpoint))
    }

    @Test(arguments: cases.filter { !differs.contains($0.name) })
    func answersWhatMLflowAnswers(_ c: Case) async throws {
        let app = try await Self.application(model: c.model)
        try await app.test(.router) { client in
            var headers = HTTPFields()
            if let contentType = c.content_type { headers[.contentType] = contentType }
            let response = try await client.execute(
                uri: "/invocations", method: .post, headers: headers, body: ByteBuffer(bytes: c.bytes))
            #expect(Int(response.status.code) == c.expected.status)
            #expect(response.headers[.contentType] == c.expected.content_type)
            if c.expected.status == 200 {
                #expect(String(buffer: response.body) == c.expected.body)
            }
        }
    }

    @Test func answersFastAPIsNotFoundAndMethodNotAllowed() async throws {
        let app = try await Self.application(model: "model")
        try await app.test(.router) { client in
            let missing = try await client.execute(uri: "/nope", method: .get)
            #expect(missing.status == .notFound)
            #expect(String(buffer: missing.body) == #"{"detail":"Not Found"}"#)
            let wrongMethod = try await client.execute(uri: "/invocations", method: .get)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(String(buffer: wrongMethod.body) == #"{"detail":"Method Not Allowed"}"#)
            let ping = try await client.execute(uri: "/ping", method: .get)
            #expect(ping.status == .ok && String(buffer: ping.body) == "\n")
            #expect(ping.headers[.contentType] == "application/json")
            let version = try await client.execute(uri: "/version", method: .get)
            #expect(String(buffer: version.body) == ScoringEndpoint.mlflowProtocolVersion)
        }
    }

    @Test func aBodyOverTheLimitGets413AndTheNextRequestIsServed() async throws {
        let app = try await Self.application(model: "model", limits: ScoringLimits(maxRequestBytes: 64))
        try await app.test(.router) { client in
            let big = ByteBuffer(string: #"{"inputs": ["# + String(repeating: "1.0, ", count: 40) + "1.0]}")
            let tooLarge = try await client.execute(
                uri: "/invocations", method: .post, headers: [.contentType: "application/json"], body: big)
            #expect(tooLarge.status.code == 413)
            #expect(String(buffer: tooLarge.body).contains("REQUEST_LIMIT_EXCEEDED"))
            let small = try await client.execute(
                uri: "/invocations", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{"))
            #expect(small.status == .badRequest)
        }
    }
}
