import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why talking to the tracking server failed.
package enum MLflowError: Error, CustomStringConvertible {
    /// The server answered with an error; `message` is MLflow's own.
    case api(status: Int, code: String?, message: String, url: String)
    /// The server could not be reached (refused, timed out, DNS) or answered 5xx.
    case unreachable(url: String, reason: String)
    /// The configuration or the server's answer does not let Vigil go on.
    case invalid(String)

    package var description: String {
        switch self {
        case .api(let status, let code, let message, let url):
            "MLflow tracking server: \(message) (HTTP \(status)\(code.map { " \($0)" } ?? ""), \(url))"
        case .unreachable(let url, let reason):
            "MLflow tracking server unreachable at \(url): \(reason)"
        case .invalid(let message):
            message
        }
    }

    package var isUnreachable: Bool {
        if case .unreachable = self { return true }
        return false
    }
}

/// How the tracking server is reached, from MLflow's own environment variables.
package struct TrackingConfiguration: Sendable {
    package var baseURL: URL
    /// `Authorization` header: Basic when username and password are both set (it wins, as in
    /// MLflow's `rest_utils.http_request`), else Bearer with `MLFLOW_TRACKING_TOKEN`.
    package var authorization: String?
    package var insecureTLS: Bool

    package init(baseURL: URL, authorization: String? = nil, insecureTLS: Bool = false) {
        self.baseURL = baseURL
        self.authorization = authorization
        self.insecureTLS = insecureTLS
    }

    package init(environment: [String: String]) throws {
        guard let raw = environment["MLFLOW_TRACKING_URI"], !raw.isEmpty else {
            throw MLflowError.invalid(
                "MLFLOW_TRACKING_URI is not set: Vigil resolves models:/ and runs:/ URIs through an MLflow tracking server "
                    + "(for example MLFLOW_TRACKING_URI=http://127.0.0.1:5000).")
        }
        let trimmed = raw.hasSuffix("/") ? String(raw.dropLast()) : raw
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw MLflowError.invalid(
                "MLFLOW_TRACKING_URI=\(raw) is not an http(s) tracking server; Vigil reads models only through one "
                    + "(run `mlflow server` and point MLFLOW_TRACKING_URI at it).")
        }
        var authorization: String?
        if let user = environment["MLFLOW_TRACKING_USERNAME"], let password = environment["MLFLOW_TRACKING_PASSWORD"],
            !user.isEmpty, !password.isEmpty
        {
            authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        } else if let token = environment["MLFLOW_TRACKING_TOKEN"], !token.isEmpty {
            authorization = "Bearer \(token)"
        }
        let insecure = ["true", "1", "yes"].contains(environment["MLFLOW_TRACKING_INSECURE_TLS"]?.lowercased() ?? "")
        self.init(baseURL: url, authorization: authorization, insecureTLS: insecure)
    }
}

/// The few REST calls of MLflow's tracking, registry and artifact-proxy APIs that resolving and
/// downloading a model needs.
package struct MLflowClient: Sendable {
    package let configuration: TrackingConfiguration
    let session: URLSession

    package init(configuration: TrackingConfiguration) {
        self.configuration = configuration
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = 30
        sessionConfiguration.timeoutIntervalForResource = 3600
        if configuration.insecureTLS {
            session = URLSession(configuration: sessionConfiguration, delegate: InsecureTLSDelegate(), delegateQueue: nil)
        } else {
            session = URLSession(configuration: sessionConfiguration)
        }
    }

    // MARK: Requests

    func url(_ path: String, query: [(String, String)] = []) -> URL {
        var components = URLComponents(url: configuration.baseURL, resolvingAgainstBaseURL: false)!
        let basePath = components.percentEncodedPath.hasSuffix("/") ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        components.percentEncodedPath = basePath + path
        if !query.isEmpty {
            components.percentEncodedQuery = query.map { "\(Self.encodeQuery($0.0))=\(Self.encodeQuery($0.1))" }.joined(separator: "&")
        }
        return components.url!
    }

    static func encodeQuery(_ text: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func encodePath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/;?#"))) ?? String($0)
        }.joined(separator: "/")
    }

    private func request(_ url: URL, method: String = "GET", body: [String: Any]? = nil) throws -> URLRequest {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("vigil", forHTTPHeaderField: "User-Agent")
        if let authorization = configuration.authorization {
            request.setValue(authorization, forHTTPHeaderField: "Authorization")
        }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        return request
    }

    /// One JSON call under `/api/2.0/mlflow/`.
    package func call(_ endpoint: String, query: [(String, String)] = [], method: String = "GET", body: [String: Any]? = nil)
        async throws -> [String: Any]
    {
        let url = url("/api/2.0/mlflow/" + endpoint, query: query)
        let (data, response) = try await send(try request(url, method: method, body: body))
        try Self.check(data, response, url: url)
        return try Self.object(data, url: url)
    }

    func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else {
                throw MLflowError.invalid("Not an HTTP response from \(request.url?.absoluteString ?? "?")")
            }
            return (data, http)
        } catch let error as MLflowError {
            throw error
        } catch {
            throw MLflowError.unreachable(url: request.url?.absoluteString ?? "?", reason: error.localizedDescription)
        }
    }

    static func object(_ data: Data, url: URL) throws -> [String: Any] {
        if data.isEmpty { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw MLflowError.invalid("The tracking server's answer to \(url.absoluteString) is not a JSON object.")
        }
        return object
    }

    /// Turns an error status into MLflow's own message (`{"error_code","message"}`, or FastAPI's `{"detail"}`).
    static func check(_ data: Data, _ response: HTTPURLResponse, url: URL) throws {
        let status = response.statusCode
        guard !(200..<300).contains(status) else { return }
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        let text = String(decoding: data.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let message = (object?["message"] as? String) ?? (object?["detail"] as? String) ?? (text.isEmpty ? "HTTP \(status)" : text)
        if status >= 500 && status != 501 {
            throw MLflowError.unreachable(url: url.absoluteString, reason: "HTTP \(status): \(message)")
        }
        var hint = ""
        if status == 401 {
            hint = " Set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN."
        }
        throw MLflowError.api(status: status, code: object?["error_code"] as? String, message: message + hint, url: url.absoluteString)
    }

    // MARK: Artifact proxy

    package struct ArtifactEntry: Sendable, Equatable {
        package var path: String
        package var isDirectory: Bool
        package var size: Int64?
    }

    /// `GET /api/2.0/mlflow-artifacts/artifacts?path=` — one directory level.
    package func listArtifacts(_ path: String) async throws -> [ArtifactEntry] {
        let url = url("/api/2.0/mlflow-artifacts/artifacts", query: path.isEmpty ? [] : [("path", path)])
        let (data, response) = try await send(try request(url))
        try Self.check(data, response, url: url)
        let object = try Self.object(data, url: url)
        let files = object["files"] as? [[String: Any]] ?? []
        return files.compactMap { file in
            guard let name = file["path"] as? String else { return nil }
            let size: Int64? = (file["file_size"] as? NSNumber)?.int64Value ?? (file["file_size"] as? String).flatMap { Int64($0) }
            return ArtifactEntry(path: name, isDirectory: file["is_dir"] as? Bool ?? false, size: size)
        }
    }

    /// `GET /api/2.0/mlflow-artifacts/artifacts/PATH` into a temporary file; returns its location and size.
    package func downloadArtifact(_ path: String, to destination: URL) async throws -> Int64 {
        let url = url("/api/2.0/mlflow-artifacts/artifacts/" + Self.encodePath(path))
        let request = try request(url)
        let location: URL
        let response: URLResponse
        do {
            (location, response) = try await session.download(for: request)
        } catch {
            throw MLflowError.unreachable(url: url.absoluteString, reason: error.localizedDescription)
        }
        guard let http = response as? HTTPURLResponse else {
            throw MLflowError.invalid("Not an HTTP response from \(url.absoluteString)")
        }
        if !(200..<300).contains(http.statusCode) {
            let data = (try? Data(contentsOf: location)) ?? Data()
            try? FileManager.default.removeItem(at: location)
            try Self.check(data, http, url: url)
        }
        try? FileManager.default.removeItem(at: destination)
        try FileManager.default.moveItem(at: location, to: destination)
        let attributes = try FileManager.default.attributesOfItem(atPath: destination.path)
        return (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }
}

/// `MLFLOW_TRACKING_INSECURE_TLS=true`: accept any server certificate (where the platform lets a delegate decide).
final class InsecureTLSDelegate: NSObject, URLSessionDelegate, Sendable {
    func urlSession(
        _ session: URLSession, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        #if canImport(Security)
        if challenge.protectionSpace.authenticationMethod == NSURLAuthenticationMethodServerTrust,
            let trust = challenge.protectionSpace.serverTrust
        {
            completionHandler(.useCredential, URLCredential(trust: trust))
            return
        }
        #endif
        completionHandler(.performDefaultHandling, nil)
    }
}
