import Foundation
import Logging

/// A model URI that can move to another version (`models:/NAME@ALIAS`, `models:/NAME/STAGE`,
/// `models:/NAME/latest`), and the one metadata call that says which version it names now.
/// Nothing is downloaded: following a move is `ModelSource.resolve` again.
package struct RegistryReference: Sendable {
    /// The URI as given on the command line.
    package let uri: String
    package let name: String
    package let selector: ModelURI.Selector
    private let client: MLflowClient
    private let cacheRoot: URL

    /// Nil when `uri` names something that never moves (a local directory, a fixed version, a run).
    package init?(uri: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard case .registered(let name, let selector, _) = try ModelURI(parsing: uri), !selector.isFixed else { return nil }
        self.uri = uri
        self.name = name
        self.selector = selector
        // One client for every poll: its URLSession is reused rather than rebuilt each time.
        client = MLflowClient(configuration: try TrackingConfiguration(environment: environment))
        cacheRoot = ModelSource.cacheRoot(environment)
    }

    /// The registered version the reference points to now, as the tracking server says.
    package func currentVersion() async throws -> String {
        let resolver = Resolver(client: client, cache: ModelCache(root: cacheRoot), uri: uri, logger: Logger(label: "vigil.mlflow"))
        let modelVersion = try await resolver.modelVersion(name: name, selector: selector)
        guard let version = Resolver.string(modelVersion["version"]) else {
            throw MLflowError.invalid("The tracking server returned a model version without a version for \(uri).")
        }
        return version
    }
}
