import ArgumentParser

@main
struct Vigil: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "A model server for MLflow models with production monitoring built in.",
        subcommands: [Serve.self, Predict.self, Profile.self, Doctor.self],
        defaultSubcommand: Serve.self
    )
}
