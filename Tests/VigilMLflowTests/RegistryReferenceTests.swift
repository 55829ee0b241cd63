import Testing
import VigilMLflow

@Suite struct RegistryReferenceTests {
    static let environment = ["MLFLOW_TRACKING_URI": "http://127.0.0.1:5000"]

    @Test(arguments: ["models:/fraud@champion", "models:/fraud/Production", "models:/fraud/latest", "models:/fraud@champion/sub"])
    func anAliasAStageOrLatestMoves(_ uri: String) throws {
        let reference = try #require(try RegistryReference(uri: uri, environment: Self.environment))
        #expect(reference.name == "fraud")
        #expect(reference.uri == uri)
    }

    @Test(arguments: ["models:/fraud/7", "models:/m-0123", "runs:/abc/model", "examples/demo", "mlflow-artifacts:/1/x"])
    func everythingElseStaysPut(_ uri: String) throws {
        #expect(try RegistryReference(uri: uri, environment: Self.environment) == nil)
    }

    @Test func aMovingReferenceNeedsATrackingServer() {
        #expect(throws: MLflowError.self) { try RegistryReference(uri: "models:/fraud@champion", environment: [:]) }
    }
}
