import Foundation

/// What the cache knows about one downloaded model: where it came from and every file's size.
/// Kept inside the model directory as `.vigil-cache.json`, so the directory and its manifest
/// appear together in one rename.
struct CacheManifest: Codable, Equatable {
    var uri: String
    var name: String?
    var version: String?
    var runID: String?
    var modelID: String?
    var files: [String: Int64]

    static let fileName = ".vigil-cache.json"
}

/// Downloaded models under one root. A model directory appears only complete: files are
/// downloaded into a temporary sibling that is renamed into place once every size matches.
struct ModelCache {
    let root: URL

    struct Entry {
        var directory: URL
        var manifest: CacheManifest

        func resolved(uri: String, fromCache: Bool) -> ResolvedModel {
            ResolvedModel(
                localDirectory: directory.path, name: manifest.name, version: manifest.version, uri: uri,
                runID: manifest.runID, modelID: manifest.modelID, fromCache: fromCache)
        }
    }

    func directory(_ key: [String]) -> URL {
        key.reduce(root) { $0.appendingPathComponent($1, isDirectory: true) }
    }

    /// The cached model at `key` when its manifest is there and every file has the recorded size.
    func complete(_ key: [String]) -> Entry? {
        let directory = directory(key)
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(CacheManifest.fileName)),
            let manifest = try? JSONDecoder().decode(CacheManifest.self, from: data)
        else { return nil }
        for (path, size) in manifest.files {
            guard let file = ArtifactPath.resolve(path, under: directory),
                let attributes = try? FileManager.default.attributesOfItem(atPath: file.path),
                (attributes[.size] as? NSNumber)?.int64Value == size
            else { return nil }
        }
        return Entry(directory: directory, manifest: manifest)
    }

    // MARK: Moving references

    private func refFile(name: String, ref: String) -> URL {
        directory([ArtifactPath.cacheComponent(name), "refs"]).appendingPathComponent(ArtifactPath.cacheComponent(ref) + ".json")
    }

    func remember(ref: (name: String, ref: String, subpath: String), version: String) {
        let file = refFile(name: ref.name, ref: ref.ref)
        try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? JSONEncoder().encode(["version": version]).write(to: file, options: .atomic)
    }

    func remembered(name: String, ref: String) -> String? {
        guard let data = try? Data(contentsOf: refFile(name: name, ref: ref)),
            let object = try? JSONDecoder().decode([String: String].self, from: data)
        else { return nil }
        return object["version"]
    }

    // MARK: Download

    /// Downloads every file under `remotePath` into the cache at `key`, all or nothing.
    func download(key: [String], manifest: CacheManifest, client: MLflowClient, remotePath: String) async throws -> Entry {
        let final = directory(key)
        let parent = final.deletingLastPathComponent()
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(".partial-\(final.lastPathComponent)-\(UUID().uuidString)", isDirectory: true)
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: staging) }

        var manifest = manifest
        try await fetch(client: client, remoteRoot: remotePath, relative: "", into: staging, files: &manifest.files)
        guard manifest.files.keys.contains("MLmodel") else {
            throw MLflowError.invalid(
                manifest.files.isEmpty
                    ? "No artifacts at mlflow-artifacts:/\(remotePath) for \(manifest.uri)."
                    : "mlflow-artifacts:/\(remotePath) holds no MLmodel file, so it is not an MLflow model (\(manifest.uri)).")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: staging.appendingPathComponent(CacheManifest.fileName))
        if fileManager.fileExists(atPath: final.path) {
            try fileManager.removeItem(at: final)
        }
        try fileManager.moveItem(at: staging, to: final)
        guard let entry = complete(key) else {
            throw MLflowError.invalid("The downloaded model at \(final.path) failed its size check.")
        }
        return entry
    }

    private func fetch(client: MLflowClient, remoteRoot: String, relative: String, into staging: URL, files: inout [String: Int64])
        async throws
    {
        let remoteDirectory = relative.isEmpty ? remoteRoot : remoteRoot + "/" + relative
        for entry in try await client.listArtifacts(remoteDirectory) {
            // The proxy lists names relative to the directory; tolerate paths relative to the root too.
            var name = entry.path
            for prefix in [remoteDirectory + "/", relative + "/"] where !relative.isEmpty || prefix == remoteDirectory + "/" {
                if name.hasPrefix(prefix) { name = String(name.dropFirst(prefix.count)) }
            }
            let path = relative.isEmpty ? name : relative + "/" + name
            guard ArtifactPath.isSafe(name), ArtifactPath.resolve(path, under: staging) != nil, path != CacheManifest.fileName else {
                throw MLflowError.invalid("The tracking server listed an unsafe artifact path '\(entry.path)' under \(remoteDirectory); refusing it.")
            }
            if entry.isDirectory {
                try FileManager.default.createDirectory(
                    at: staging.appendingPathComponent(path, isDirectory: true), withIntermediateDirectories: true)
                try await fetch(client: client, remoteRoot: remoteRoot, relative: path, into: staging, files: &files)
            } else {
                let destination = ArtifactPath.resolve(path, under: staging)!
                try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
                let size = try await client.downloadArtifact(remoteRoot + "/" + path, to: destination)
                if let expected = entry.size, expected != size {
                    throw MLflowError.invalid(
                        "Downloaded \(size) bytes of mlflow-artifacts:/\(remoteRoot)/\(path), but the server listed \(expected); not using it.")
                }
                files[path] = size
            }
        }
    }
}
