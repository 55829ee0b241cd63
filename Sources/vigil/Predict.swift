import ArgumentParser
import Foundation
import NIOCore
import VigilMonitoring
import VigilServer

/// One-shot scoring, like `mlflow models predict`: the same runtime, decoding and answer as the server.
struct Predict: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score one input file with a model and print MLflow's answer, like `mlflow models predict`."
    )

    enum ContentType: String, ExpressibleByArgument, CaseIterable {
        case json, csv
        var mime: String { self == .json ? "application/json" : "text/csv" }
    }

    @OptionGroup var modelOptions: ModelOptions
    @Option(name: [.short, .long], help: "The input file (a request body as POST /invocations takes it); - for standard input.")
    var input: String
    @Option(name: [.customShort("t"), .long], help: "The input's format.")
    var contentType: ContentType = .json
    @Option(name: [.short, .long], help: "Write the answer here instead of standard output.")
    var output: String?

    func run() async throws {
        var configuration = try modelOptions.configuration()
        configuration.modelName = configuration.modelName ?? "predict"
        let logger = try modelOptions.logger()
        let body = try input == "-" ? FileHandle.standardInput.readDataToEndOfFile() : Data(contentsOf: URL(fileURLWithPath: input))
        let service = VigilService(configuration: configuration, logger: logger)
        let model = try await service.loadModel(registry: MetricsRegistry(buildVersion: VigilService.version))
        let endpoint = ScoringEndpoint(slot: ModelSlot(model), limits: configuration.limits)
        let answer = await endpoint.invocations(
            contentType: contentType.mime, body: .success(ByteBuffer(bytes: body)), requestID: RequestID.next(), startedAt: .now)
        if case .python(let pool) = model.scorer { await pool.shutdown() }
        let text = Data(answer.body.readableBytesView) + Data("\n".utf8)
        guard answer.status == 200 else {
            FileHandle.standardError.write(text)
            throw ExitCode.failure
        }
        if let output {
            try text.write(to: URL(fileURLWithPath: output))
        } else {
            FileHandle.standardOutput.write(text)
        }
    }
}
