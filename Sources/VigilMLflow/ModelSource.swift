import Foundation
import Logging

/// A model ready to load from a local directory, with what the registry said about it.
package struct ResolvedModel: Sendable, Equatable {
    /// The MLflow model directory on local disk (the cache, for remote models).
    package var localDirectory: String
    /// The registered model name, when the URI went through the registry.
    package var name: String?
    /// The registered model version.
    package var version: String?
    /// The URI as given on the command line.
    package var uri: String
    package var runID: String?
    /// The MLflow 3 logged model ID (`m-…`), when known.
    package var modelID: String?
    /// True when the tracking server could not be reached and the cache served instead.
    package var fromCache: Bool = false
}

/// Turns `--model` into a local model directory: local paths as they are; MLflow URIs resolved
/// against `MLFLOW_TRACKING_URI` and downloaded through the server's artifact proxy into a cache
/// (`VIGIL_CACHE_DIR`, default `~/.cache/vigil/models`).
package enum ModelSource {
    ///
    /// For an alias, stage or `latest`, the version it named is remembered in the cache (served from
    /// there when the server is down at the next start) unless `rememberReference` is false: then
    /// the caller remembers it with `rememberReference(_:version:)` once the version proved servable.
    package static func resolve(
        _ uri: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "vigil.mlflow"), rememberReference: Bool = true
    ) async throws -> ResolvedModel {
        let parsed = try ModelURI(parsing: uri)
        if case .local(let path) = parsed {
            return ResolvedModel(localDirectory: URL(fileURLWithPath: path).standardizedFileURL.path, uri: uri)
        }
        let tracking = try TrackingConfiguration(environment: environment)
        #if !canImport(Security)
        if tracking.insecureTLS {
            logger.warning("MLFLOW_TRACKING_INSECURE_TLS is not supported on this platform; certificates are still verified")
        }
        #endif
        let client = MLflowClient(configuration: tracking)
        let cache = ModelCache(root: cacheRoot(environment))
        let resolver = Resolver(client: client, cache: cache, uri: uri, logger: logger, rememberReference: rememberReference)
        return try await resolver.resolve(parsed)
    }

    /// Records that `uri` (an alias, stage or `latest`) names `version`, for a restart during an outage.
    package static func rememberReference(
        _ uri: String, version: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        guard let parsed = try? ModelURI(parsing: uri), let ref = Resolver.reference(parsed) else { return }
        ModelCache(root: cacheRoot(environment)).remember(ref: ref, version: version)
    }

    package static func cacheRoot(_ environment: [String: String]) -> URL {
        if let dir = environment["VIGIL_CACHE_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir, isDirectory: true)
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".cache/vigil/models", isDirectory: true)
    }
}

/// One resolution: what to download from where, and where it lands.
struct Resolver {
    let client: MLflowClient
    let cache: ModelCache
    let uri: String
    let logger: Logger
    var rememberReference = true

    /// Where a URI's files live in the cache and what the registry said about them.
    struct Target {
        var cacheKey: [String]
        var artifactURI: String
        var name: String?
        var version: String?
        var runID: String?
        var modelID: String?
    }

    func resolve(_ parsed: ModelURI) async throws -> ResolvedModel {
        let target: Target
        do {
            target = try await self.target(parsed)
        } catch let error as MLflowError where error.isUnreachable {
            guard let key = try? fallbackKey(parsed), let cached = cache.complete(key) else {
                throw MLflowError.invalid("\(error.description); no cached copy of \(uri) to serve instead.")
            }
            logger.warning(
                "MLflow tracking server unreachable; serving the cached copy",
                metadata: [
                    "model.uri": "\(uri)", "cache": "\(cached.directory.path)", "version": "\(cached.manifest.version ?? "-")",
                    "error": "\(error)",
                ])
            return cached.resolved(uri: uri, fromCache: true)
        }
        if rememberReference, let ref = Self.reference(parsed), let version = target.version {
            cache.remember(ref: ref, version: version)
        }
        if let cached = cache.complete(target.cacheKey) {
            logger.info("model found in cache", metadata: ["model.uri": "\(uri)", "cache": "\(cached.directory.path)"])
            return cached.resolved(uri: uri, fromCache: false)
        }
        let (source, remotePath) = try artifactLocation(target.artifactURI)
        let manifest = CacheManifest(
            uri: uri, name: target.name, version: target.version, runID: target.runID, modelID: target.modelID, files: [:])
        let clock = ContinuousClock()
        let start = clock.now
        let entry = try await cache.download(key: target.cacheKey, manifest: manifest, client: source, remotePath: remotePath)
        logger.info(
            "model downloaded",
            metadata: [
                "model.uri": "\(uri)", "artifact_uri": "\(target.artifactURI)", "cache": "\(entry.directory.path)",
                "files": "\(entry.manifest.files.count)", "bytes": "\(entry.manifest.files.values.reduce(0, +))",
                "download.ms": "\(Int(((clock.now - start) / .milliseconds(1)).rounded()))",
            ])
        return entry.resolved(uri: uri, fromCache: false)
    }

    // MARK: Registry

    func target(_ parsed: ModelURI) async throws -> Target {
        switch parsed {
        case .local:
            preconditionFailure("local paths are not resolved")
        case .registered(let name, let selector, let subpath):
            let modelVersion = try await self.modelVersion(name: name, selector: selector)
            guard let version = Self.string(modelVersion["version"]) else {
                throw MLflowError.invalid("The tracking server returned a model version without a version for \(uri).")
            }
            let download = try await client.call("model-versions/get-download-uri", query: [("name", name), ("version", version)])
            guard let artifactURI = download["artifact_uri"] as? String else {
                throw MLflowError.invalid("The tracking server returned no artifact_uri for \(name) version \(version).")
            }
            let source = modelVersion["source"] as? String
            let modelID = source.flatMap { $0.hasPrefix("models:/m-") ? String($0.dropFirst("models:/".count)) : nil }
            return Target(
                cacheKey: Self.registeredKey(name: name, version: version, subpath: subpath),
                artifactURI: Self.join(artifactURI, subpath), name: name, version: version,
                runID: (modelVersion["run_id"] as? String).flatMap { $0.isEmpty ? nil : $0 }, modelID: modelID)
        case .loggedModel(let id, let subpath):
            let info = try await loggedModel(id)
            return Target(
                cacheKey: ["_logged", ArtifactPath.cacheComponent(id) + Self.subpathSuffix(subpath)],
                artifactURI: Self.join(try Self.artifactURI(info, for: uri), subpath), name: nil, version: nil,
                runID: info["source_run_id"] as? String, modelID: id)
        case .run(let runID, let path):
            return try await runTarget(runID: runID, path: path)
        case .artifacts(let authority, let path):
            return Target(
                cacheKey: ["_artifacts", ArtifactPath.cacheComponent((authority.map { $0 + "/" } ?? "") + path)],
                artifactURI: "mlflow-artifacts:" + (authority.map { "//\($0)" } ?? "") + "/" + path)
        }
    }

    /// MLflow 3.x: a version directly; an alias via `registered-models/alias`; `latest` and stages
    /// via `get-latest-versions`, taking the highest version.
    func modelVersion(name: String, selector: ModelURI.Selector) async throws -> [String: Any] {
        switch selector {
        case .version(let version):
            let response = try await client.call("model-versions/get", query: [("name", name), ("version", version)])
            return try Self.modelVersionObject(response, uri: uri)
        case .alias(let alias):
            let response = try await client.call("registered-models/alias", query: [("name", name), ("alias", alias)])
            return try Self.modelVersionObject(response, uri: uri)
        case .latest, .stage:
            var body: [String: Any] = ["name": name]
            var stageText = "None"
            if case .stage(let stage) = selector {
                body["stages"] = [stage]
                stageText = stage
            }
            let response = try await client.call("registered-models/get-latest-versions", method: "POST", body: body)
            let versions = response["model_versions"] as? [[String: Any]] ?? []
            guard let newest = versions.max(by: { Int(Self.string($0["version"]) ?? "") ?? -1 < Int(Self.string($1["version"]) ?? "") ?? -1 })
            else {
                // MLflow's own message (`_get_latest_model_version`).
                let stageName = selector == .latest ? "None" : stageText
                throw MLflowError.invalid("No versions of model with name '\(name)' and stage '\(stageName)' found (\(uri)).")
            }
            return newest
        }
    }

    func loggedModel(_ id: String) async throws -> [String: Any] {
        let response = try await client.call("logged-models/" + MLflowClient.encodePath(id))
        guard let model = response["model"] as? [String: Any], let info = model["info"] as? [String: Any] else {
            throw MLflowError.invalid("The tracking server returned no logged model for \(uri).")
        }
        return info
    }

    /// `runs:/RUN/PATH`: the run's own artifacts when PATH holds a model there; otherwise (MLflow 3,
    /// `log_model(name=PATH)`) the logged model of that name whose source run is RUN.
    func runTarget(runID: String, path: String) async throws -> Target {
        let response = try await client.call("runs/get", query: [("run_id", runID)])
        guard let run = response["run"] as? [String: Any], let info = run["info"] as? [String: Any],
            let runArtifacts = info["artifact_uri"] as? String
        else {
            throw MLflowError.invalid("The tracking server returned no run for \(uri).")
        }
        let key = ["_runs", ArtifactPath.cacheComponent(runID), path.isEmpty ? "_root" : ArtifactPath.cacheComponent(path)]
        let candidate = Self.join(runArtifacts, path)
        if let (source, remote) = try? artifactLocation(candidate),
            (try? await source.listArtifacts(remote))?.contains(where: { $0.path == "MLmodel" || $0.path.hasSuffix("/MLmodel") }) == true
        {
            return Target(cacheKey: key, artifactURI: candidate, runID: runID)
        }
        let parts = path.split(separator: "/", maxSplits: 1).map(String.init)
        guard let modelName = parts.first, let experiment = Self.string(info["experiment_id"]) else {
            throw MLflowError.invalid("No MLflow model at \(uri).")
        }
        var pageToken: String?
        repeat {
            var body: [String: Any] = [
                "experiment_ids": [experiment], "filter": "name = '\(modelName.replacingOccurrences(of: "'", with: "\\'"))'",
                "max_results": 100,
            ]
            if let pageToken { body["page_token"] = pageToken }
            let page = try await client.call("logged-models/search", method: "POST", body: body)
            for model in page["models"] as? [[String: Any]] ?? [] {
                guard let modelInfo = model["info"] as? [String: Any], modelInfo["source_run_id"] as? String == runID else { continue }
                let subpath = parts.count > 1 ? parts[1] : ""
                return Target(
                    cacheKey: key, artifactURI: Self.join(try Self.artifactURI(modelInfo, for: uri), subpath), runID: runID,
                    modelID: modelInfo["model_id"] as? String)
            }
            pageToken = (page["next_page_token"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        } while pageToken != nil
        throw MLflowError.invalid(
            "No MLflow model at \(uri): run \(runID) has no model artifacts at '\(path)' and no logged model named '\(modelName)'.")
    }

    // MARK: Cache keys

    /// A moving selector's name in the cache (`@champion`, `latest`, `Production`).
    static func reference(_ parsed: ModelURI) -> (name: String, ref: String, subpath: String)? {
        guard case .registered(let name, let selector, let subpath) = parsed, !selector.isFixed else { return nil }
        return (name, selector.description, subpath)
    }

    /// Where the cache keeps a URI, without asking the server: for an alias, stage or `latest`,
    /// the version it resolved to last time.
    func fallbackKey(_ parsed: ModelURI) throws -> [String]? {
        switch parsed {
        case .local:
            return nil
        case .registered(let name, let selector, let subpath):
            if case .version(let version) = selector {
                return Self.registeredKey(name: name, version: version, subpath: subpath)
            }
            guard let version = cache.remembered(name: name, ref: selector.description) else { return nil }
            return Self.registeredKey(name: name, version: version, subpath: subpath)
        case .loggedModel(let id, let subpath):
            return ["_logged", ArtifactPath.cacheComponent(id) + Self.subpathSuffix(subpath)]
        case .run(let runID, let path):
            return ["_runs", ArtifactPath.cacheComponent(runID), path.isEmpty ? "_root" : ArtifactPath.cacheComponent(path)]
        case .artifacts(let authority, let path):
            return ["_artifacts", ArtifactPath.cacheComponent((authority.map { $0 + "/" } ?? "") + path)]
        }
    }

    static func registeredKey(name: String, version: String, subpath: String) -> [String] {
        [ArtifactPath.cacheComponent(name), ArtifactPath.cacheComponent(version) + subpathSuffix(subpath)]
    }

    static func subpathSuffix(_ subpath: String) -> String {
        subpath.isEmpty ? "" : "-" + ArtifactPath.cacheComponent(subpath)
    }

    // MARK: Helpers

    /// `mlflow-artifacts:/P` (or `mlflow-artifacts://host:port/P`) → the client that serves it and P.
    func artifactLocation(_ artifactURI: String) throws -> (MLflowClient, String) {
        guard case .artifacts(let authority, let path)? = try? ModelURI(parsing: artifactURI) else {
            throw MLflowError.invalid(
                "The artifacts of \(uri) are at \(artifactURI), which Vigil cannot read directly; it downloads through the "
                    + "tracking server's artifact proxy, so the server must run with --serve-artifacts (the default) "
                    + "and an mlflow-artifacts:/ artifact root.")
        }
        guard let authority else { return (client, path) }
        var configuration = client.configuration
        var components = URLComponents(url: configuration.baseURL, resolvingAgainstBaseURL: false)!
        let hostPort = authority.split(separator: ":", maxSplits: 1)
        components.host = String(hostPort[0])
        components.port = hostPort.count > 1 ? Int(hostPort[1]) : nil
        components.path = ""
        configuration.baseURL = components.url!
        return (MLflowClient(configuration: configuration), path)
    }

    static func artifactURI(_ info: [String: Any], for uri: String) throws -> String {
        guard let artifactURI = info["artifact_uri"] as? String else {
            throw MLflowError.invalid("The tracking server returned no artifact_uri for \(uri).")
        }
        return artifactURI
    }

    static func join(_ base: String, _ path: String) -> String {
        path.isEmpty ? base : (base.hasSuffix("/") ? base : base + "/") + path
    }

    static func modelVersionObject(_ response: [String: Any], uri: String) throws -> [String: Any] {
        guard let version = response["model_version"] as? [String: Any] else {
            throw MLflowError.invalid("The tracking server returned no model version for \(uri).")
        }
        return version
    }

    static func string(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let number = value as? NSNumber { return number.stringValue }
        return nil
    }
}
