import Foundation
import Testing
import VigilMLflow

@Suite struct ModelURITests {
    @Test(arguments: [
        ("models:/fraud/7", ModelURI.registered(name: "fraud", selector: .version("7"), subpath: "")),
        ("models:/fraud@champion", .registered(name: "fraud", selector: .alias("champion"), subpath: "")),
        ("models:/fraud/latest", .registered(name: "fraud", selector: .latest, subpath: "")),
        ("models:/fraud/LATEST", .registered(name: "fraud", selector: .latest, subpath: "")),
        ("models:/fraud/production", .registered(name: "fraud", selector: .stage("Production"), subpath: "")),
        ("models:/fraud/Staging", .registered(name: "fraud", selector: .stage("Staging"), subpath: "")),
        ("models:/fraud/none", .registered(name: "fraud", selector: .stage("None"), subpath: "")),
        ("models:/fraud/archived", .registered(name: "fraud", selector: .stage("Archived"), subpath: "")),
        ("models:/fraud/1/sub/dir", .registered(name: "fraud", selector: .version("1"), subpath: "sub/dir")),
        ("models:/fraud@champion/sub", .registered(name: "fraud", selector: .alias("champion"), subpath: "sub")),
        ("models:/m-0123456789abcdef0123456789abcdef", .loggedModel(id: "m-0123456789abcdef0123456789abcdef", subpath: "")),
        // As in MLflow 3: a bare name is a logged model ID, not "latest".
        ("models:/fraud", .loggedModel(id: "fraud", subpath: "")),
        ("runs:/abc123/model", .run(id: "abc123", path: "model")),
        ("runs:/abc123/nested/model/", .run(id: "abc123", path: "nested/model")),
        ("mlflow-artifacts:/1/models/m-1/artifacts", .artifacts(authority: nil, path: "1/models/m-1/artifacts")),
        ("mlflow-artifacts://host:5000/1/x", .artifacts(authority: "host:5000", path: "1/x")),
        ("examples/demo", .local(path: "examples/demo")),
        ("/abs/model", .local(path: "/abs/model")),
        ("file:///abs/model", .local(path: "/abs/model")),
        ("my:dir", .local(path: "my:dir")),
    ])
    func parses(_ uri: String, _ expected: ModelURI) throws {
        #expect(try ModelURI(parsing: uri) == expected)
    }

    @Test(arguments: [
        "models:/", "models:", "models:fraud/1", "models:/fraud/", "models:/ /1", "models:/@alias", "models:/fraud@",
        "models://profile@databricks/fraud/1", "runs:/", "runs:", "mlflow-artifacts:",
        "models:/fraud/1/../../etc", "runs:/abc/../x", "s3://bucket/model",
    ])
    func rejects(_ uri: String) {
        #expect(throws: ModelURI.ParseError.self) { try ModelURI(parsing: uri) }
    }

    @Test func fixedSelectors() {
        #expect(ModelURI.Selector.version("3").isFixed)
        #expect(!ModelURI.Selector.alias("a").isFixed)
        #expect(!ModelURI.Selector.latest.isFixed)
        #expect(!ModelURI.Selector.stage("Production").isFixed)
    }
}

@Suite struct ArtifactPathTests {
    @Test(arguments: ["MLmodel", "model.ubj", "sub/dir/file.bin", "a..b", ".hidden"])
    func safe(_ path: String) {
        #expect(ArtifactPath.isSafe(path))
        #expect(ArtifactPath.resolve(path, under: URL(fileURLWithPath: "/cache/m")) != nil)
    }

    @Test(arguments: ["", "/etc/passwd", "..", "../x", "a/../../x", "a/./b", "a//b", "./a", "a\\..\\b", "a/\0b", "a/.."])
    func unsafe(_ path: String) {
        #expect(!ArtifactPath.isSafe(path))
        #expect(ArtifactPath.resolve(path, under: URL(fileURLWithPath: "/cache/m")) == nil)
    }

    @Test func resolvesInsideRoot() {
        let root = URL(fileURLWithPath: "/cache/m")
        #expect(ArtifactPath.resolve("sub/file", under: root)?.path == "/cache/m/sub/file")
    }

    @Test(arguments: [
        ("fraud", "fraud"), ("a/b", "a%2Fb"), ("..", "%2E%2E"), (".", "%2E"), ("", "%"), ("name with space", "name%20with%20space"),
        ("v1.2_x-y", "v1.2_x-y"), ("é", "%C3%A9"),
    ])
    func cacheComponents(_ text: String, _ expected: String) {
        let component = ArtifactPath.cacheComponent(text)
        #expect(component == expected)
        #expect(ArtifactPath.isSafeComponent(component))
    }
}

@Suite struct TrackingConfigurationTests {
    @Test func basicWinsOverBearer() throws {
        let configuration = try TrackingConfiguration(environment: [
            "MLFLOW_TRACKING_URI": "http://127.0.0.1:5000/", "MLFLOW_TRACKING_USERNAME": "u", "MLFLOW_TRACKING_PASSWORD": "p",
            "MLFLOW_TRACKING_TOKEN": "t",
        ])
        #expect(configuration.authorization == "Basic " + Data("u:p".utf8).base64EncodedString())
        #expect(configuration.baseURL.absoluteString == "http://127.0.0.1:5000")
    }

    @Test func credentialsFileFillsWhatVariablesLeaveOut() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".mlflow"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        try "[other]\nmlflow_tracking_username = nobody\n\n[mlflow]\nmlflow_tracking_username = alice\nmlflow_tracking_password=s3cret\n"
            .write(to: home.appendingPathComponent(".mlflow/credentials"), atomically: true, encoding: .utf8)
        let fromFile = try TrackingConfiguration(environment: ["MLFLOW_TRACKING_URI": "http://m", "HOME": home.path])
        #expect(fromFile.authorization == "Basic " + Data("alice:s3cret".utf8).base64EncodedString())
        let mixed = try TrackingConfiguration(
            environment: ["MLFLOW_TRACKING_URI": "http://m", "HOME": home.path, "MLFLOW_TRACKING_USERNAME": "bob"])
        #expect(mixed.authorization == "Basic " + Data("bob:s3cret".utf8).base64EncodedString())
    }

    @Test func bearerToken() throws {
        let configuration = try TrackingConfiguration(environment: ["MLFLOW_TRACKING_URI": "https://mlflow", "MLFLOW_TRACKING_TOKEN": "t"])
        #expect(configuration.authorization == "Bearer t")
    }

    @Test(arguments: [[:], ["MLFLOW_TRACKING_URI": "sqlite:///mlflow.db"], ["MLFLOW_TRACKING_URI": "./mlruns"]])
    func needsAnHTTPServer(_ environment: [String: String]) {
        #expect(throws: MLflowError.self) { try TrackingConfiguration(environment: environment) }
    }

    @Test func localPathsNeedNoServer() async throws {
        let resolved = try await ModelSource.resolve("/tmp/some/model", environment: [:])
        #expect(resolved.localDirectory == "/tmp/some/model")
        #expect(resolved.name == nil)
    }

    @Test func unreachableServerWithoutCacheIsAClearError() async throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-mlflow-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        let error = await #expect(throws: MLflowError.self) {
            try await ModelSource.resolve(
                "models:/fraud/1", environment: ["MLFLOW_TRACKING_URI": "http://127.0.0.1:9", "VIGIL_CACHE_DIR": cache.path])
        }
        #expect(error?.description.contains("no cached copy") == true)
    }
}
