import Foundation

/// What `--model` names: a local MLflow model directory or one of MLflow's model URIs, parsed
/// the way MLflow 3.x parses them (`mlflow/store/artifact/utils/models.py:_parse_model_uri`).
package enum ModelURI: Sendable, Equatable {
    /// A local directory (or `file:` URI), served as it is.
    case local(path: String)
    /// `models:/NAME/VERSION`, `models:/NAME@ALIAS`, `models:/NAME/STAGE`, `models:/NAME/latest`.
    case registered(name: String, selector: Selector, subpath: String)
    /// `models:/m-ID`: an MLflow 3 logged model. As in MLflow, any single-segment `models:/X` without `@` is one.
    case loggedModel(id: String, subpath: String)
    /// `runs:/RUN_ID/PATH`.
    case run(id: String, path: String)
    /// `mlflow-artifacts:/PATH` or `mlflow-artifacts://HOST:PORT/PATH`.
    case artifacts(authority: String?, path: String)

    package enum Selector: Sendable, Equatable, CustomStringConvertible {
        case version(String)
        case alias(String)
        case stage(String)
        case latest

        package var description: String {
            switch self {
            case .version(let version): version
            case .alias(let alias): "@\(alias)"
            case .stage(let stage): stage
            case .latest: "latest"
            }
        }

        /// A version never moves; an alias, a stage or `latest` may.
        package var isFixed: Bool {
            if case .version = self { return true }
            return false
        }
    }

    package struct ParseError: Error, CustomStringConvertible, Equatable {
        package var description: String
    }

    /// MLflow's canonical stage spellings; other stages are passed to the server as written.
    static let stages = ["None", "Staging", "Production", "Archived"]

    package init(parsing uri: String) throws {
        let trimmed = uri.trimmingCharacters(in: .whitespaces)
        guard let colon = trimmed.firstIndex(of: ":"), Self.isScheme(trimmed[..<colon]) else {
            self = .local(path: trimmed)
            return
        }
        let scheme = trimmed[..<colon].lowercased()
        var rest = String(trimmed[trimmed.index(after: colon)...])
        switch scheme {
        case "file":
            if rest.hasPrefix("//") { rest = String(rest.dropFirst(2)) }
            self = .local(path: rest.removingPercentEncoding ?? rest)
        case "models":
            self = try Self.parseModels(uri, rest)
        case "runs":
            let path = try Self.path(uri, rest, scheme: "runs", allowAuthority: false).path
            let parts = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let run = parts.first, !run.isEmpty else {
                throw ParseError(description: "Not a valid runs URI: \(uri). Runs URIs look like runs:/<run_id>/<artifact path>.")
            }
            let artifactPath = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "/")) : ""
            guard artifactPath.isEmpty || ArtifactPath.isSafe(artifactPath) else {
                throw ParseError(description: "Not a valid runs URI: \(uri). The artifact path must be relative, without '..'.")
            }
            self = .run(id: String(run), path: artifactPath)
        case "mlflow-artifacts":
            let (authority, path) = try Self.path(uri, rest, scheme: "mlflow-artifacts", allowAuthority: true)
            self = .artifacts(authority: authority, path: path.trimmingCharacters(in: CharacterSet(charactersIn: "/")))
        default:
            // `name:thing` without a slash after the colon is a file name, not a URI.
            guard rest.hasPrefix("/") else {
                self = .local(path: trimmed)
                return
            }
            throw ParseError(
                description: "Vigil cannot load \(uri): the \(scheme): scheme is not supported; use a local directory, "
                    + "models:/, runs:/ or mlflow-artifacts:/.")
        }
    }

    private static func isScheme(_ text: Substring) -> Bool {
        // One letter is a Windows drive, not a scheme.
        text.count > 1 && text.first!.isLetter
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") }
    }

    /// Splits `//authority/path` or `/path`; MLflow requires the leading slash and a non-empty path.
    private static func path(_ uri: String, _ rest: String, scheme: String, allowAuthority: Bool) throws -> (authority: String?, path: String) {
        var authority: String?
        var path = rest
        if rest.hasPrefix("//") {
            let afterSlashes = rest.dropFirst(2)
            let end = afterSlashes.firstIndex(of: "/") ?? afterSlashes.endIndex
            authority = String(afterSlashes[..<end])
            path = String(afterSlashes[end...])
            if authority!.isEmpty { authority = nil }
            if authority != nil, !allowAuthority {
                throw ParseError(description: "Not a valid \(scheme) URI: \(uri). Vigil does not support a profile or host in \(scheme) URIs.")
            }
        }
        guard path.hasPrefix("/"), path.count > 1 else {
            throw ParseError(description: "Not a valid \(scheme) URI: \(uri).")
        }
        let decoded = String(path.dropFirst())
        return (authority, decoded.removingPercentEncoding ?? decoded)
    }

    private static func parseModels(_ uri: String, _ rest: String) throws -> ModelURI {
        let improper = ParseError(
            description: "Not a valid models URI: \(uri). Models URIs look like models:/<name>/<version>, "
                + "models:/<name>@<alias>, models:/<name>/<stage>, models:/<name>/latest or models:/<model_id>.")
        let path = try Self.path(uri, rest, scheme: "models", allowAuthority: false).path
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, !first.trimmingCharacters(in: .whitespaces).isEmpty else { throw improper }
        parts.removeFirst()
        if let at = first.firstIndex(of: "@") {
            let name = String(first[..<at])
            let alias = String(first[first.index(after: at)...])
            guard !name.isEmpty, !alias.isEmpty else { throw improper }
            return .registered(name: name, selector: .alias(alias), subpath: try subpath(parts, improper))
        }
        guard let suffix = parts.first else {
            return .loggedModel(id: first, subpath: "")
        }
        guard !suffix.trimmingCharacters(in: .whitespaces).isEmpty else { throw improper }
        let subpath = try subpath(Array(parts.dropFirst()), improper)
        if suffix.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return .registered(name: first, selector: .version(suffix), subpath: subpath)
        }
        if suffix.lowercased() == "latest" {
            return .registered(name: first, selector: .latest, subpath: subpath)
        }
        let stage = stages.first { $0.lowercased() == suffix.lowercased() } ?? suffix
        return .registered(name: first, selector: .stage(stage), subpath: subpath)
    }

    private static func subpath(_ parts: [String], _ improper: ParseError) throws -> String {
        let joined = parts.joined(separator: "/").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard joined.isEmpty || ArtifactPath.isSafe(joined) else { throw improper }
        return joined
    }

    package var isLocal: Bool {
        if case .local = self { return true }
        return false
    }
}
