import ArgumentParser
import Foundation
import VigilMonitoring

/// `vigil profile`: the training profile the drift monitor compares serving traffic against.
struct Profile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Profile training data (and the model's predictions on it) for drift monitoring.",
        discussion: """
            Reads the data with the serving decoder (columns cast by the model's signature), scores it \
            with the native runtime and writes per-feature reference bins: deciles for numeric features, \
            the 20 most frequent categories plus `other` for categorical ones. Save it as \
            vigil_profile.json in the model directory (or pass it to serve with --profile).
            """
    )

    @Option(help: "Training data: .csv, .jsonl (one record per line) or a JSON request body.")
    var data: String
    @Option(help: "The MLflow model directory (default: the demo model in examples/demo).")
    var model: String?
    @Option(name: [.short, .long], help: "Where to write the profile (default: vigil_profile.json in the model directory).")
    var output: String?

    func run() async throws {
        let directory = try model ?? DemoModel.path()
        let profile = try DriftProfileBuilder.build(modelDirectory: directory, dataPath: data)
        let path = output ?? URL(fileURLWithPath: directory).appendingPathComponent(DriftProfile.fileName).path
        try profile.encoded().write(to: URL(fileURLWithPath: path))
        let prediction = profile.prediction == nil ? "no prediction profile (no native runtime for this model)" : "prediction profiled"
        FileHandle.standardError.write(Data("wrote \(path): \(profile.rows) rows, \(profile.features.count) features, \(prediction)\n".utf8))
    }
}
