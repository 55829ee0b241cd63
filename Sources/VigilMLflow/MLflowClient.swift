import Foundation
import Synchronization

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
        // As MLflow's `read_mlflow_creds`: each variable wins over its line in ~/.mlflow/credentials.
        let file = Self.credentialsFile(home: environment["HOME"])
        let user = environment["MLFLOW_TRACKING_USERNAME"].flatMap { $0.isEmpty ? nil : $0 } ?? file["mlflow_tracking_username"]
        let password = environment["MLFLOW_TRACKING_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 } ?? file["mlflow_tracking_password"]
        if let user, let password, !user.isEmpty, !password.isEmpty {
            authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        } else if let token = environment["MLFLOW_TRACKING_TOKEN"], !token.isEmpty {
            authorization = "Bearer \(token)"
        }
        let insecure = ["true", "1", "yes"].contains(environment["MLFLOW_TRACKING_INSECURE_TLS"]?.lowercased() ?? "")
        self.init(baseURL: url, authorization: authorization, insecureTLS: insecure)
    }

    /// The `[mlflow]` section of `~/.mlflow/credentials` (MLflow's INI file of tracking credentials):
    /// lowercased key → value; empty when the file is absent or unreadable.
    static func credentialsFile(home: String?) -> [String: String] {
        guard let home, let text = try? String(contentsOfFile: home + "/.mlflow/credentials", encoding: .utf8) else {
            return [:]
        }
        var section = ""
        var values: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard section == "mlflow", let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces).lowercased()
            values[key] = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
        }
        return values
    }
}

/// The few REST calls of MLflow's tracking, registry and artifact-proxy APIs that resolving and
/// downloading a model needs.
package struct MLflowClient: Sendable {
    package let configuration: TrackingConfiguration
    let session: URLSession
    let delegate: SessionDelegate

    /// `requestTimeout` bounds each wait for the server; `resourceTimeout` a whole transfer.
    package init(configuration: TrackingConfiguration, requestTimeout: Double = 30, resourceTimeout: Double = 3600) {
        self.configuration = configuration
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = requestTimeout
        sessionConfiguration.timeoutIntervalForResource = resourceTimeout
        delegate = SessionDelegate(insecureTLS: configuration.insecureTLS)
        session = URLSession(configuration: sessionConfiguration, delegate: delegate, delegateQueue: nil)
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
            throw transportError(error, url: request.url?.absoluteString ?? "?")
        }
    }

    /// What a failed transfer means: a refused login (see `SessionDelegate`) or an unreachable server.
    func transportError(_ error: any Error, url: String) -> MLflowError {
        if (error as? URLError)?.code == .cancelled, delegate.takeLoginChallenge(for: url) {
            return .api(status: 401, code: nil, message: "The tracking server asks for a login." + Self.credentialsHint, url: url)
        }
        return .unreachable(url: url, reason: error.localizedDescription)
    }

    static let credentialsHint =
        " Set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or ~/.mlflow/credentials), or MLFLOW_TRACKING_TOKEN."

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
        let hint = status == 401 ? credentialsHint : ""
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
            throw transportError(error, url: url.absoluteString)
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

/// Answers the session's challenges. A server certificate: accepted as is with
/// `MLFLOW_TRACKING_INSECURE_TLS=true` (where the platform lets a delegate decide). An HTTP login
/// (401 with `WWW-Authenticate`): Vigil sends its credentials up front, so a challenge means none or
/// wrong ones; it is refused and remembered, because Linux Foundation's default handling waits forever
/// and a refusal surfaces only as "cancelled".
final class SessionDelegate: NSObject, URLSessionTaskDelegate, Sendable {
    let insecureTLS: Bool
    private let challenged = Mutex<Set<String>>([])

    init(insecureTLS: Bool) {
        self.insecureTLS = insecureTLS
    }

    func urlSession(
        _ session: URLSession, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        #if canImport(Security)
        if insecureTLS, challenge.protectionSpace.authenticationMethod == NSURLAuthenticationMethodServerTrust,
            let trust = challenge.protectionSpace.serverTrust
        {
            completionHandler(.useCredential, URLCredential(trust: trust))
            return
        }
        #endif
        completionHandler(.performDefaultHandling, nil)
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        let logins = [
            NSURLAuthenticationMethodHTTPBasic, NSURLAuthenticationMethodHTTPDigest, NSURLAuthenticationMethodDefault,
            NSURLAuthenticationMethodNTLM, NSURLAuthenticationMethodNegotiate,
        ]
        guard logins.contains(challenge.protectionSpace.authenticationMethod) else {
            self.urlSession(session, didReceive: challenge, completionHandler: completionHandler)
            return
        }
        if let url = task.originalRequest?.url?.absoluteString {
            challenged.withLock { _ = $0.insert(url) }
        }
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    /// Whether the request to `url` was cancelled because the server asked for a login (forgets it).
    func takeLoginChallenge(for url: String) -> Bool {
        challenged.withLock { $0.remove(url) != nil }
    }
}
