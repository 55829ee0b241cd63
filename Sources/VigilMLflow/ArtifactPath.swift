import Foundation

/// Relative paths that come from a tracking server: they name files inside the cache and must
/// never reach outside it.
package enum ArtifactPath {
    /// True when `path` is relative, non-empty, and every component is a plain name
    /// (no `..`, no `.`, no empty component, no backslash, no NUL).
    package static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !path.contains("\0") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(isSafeComponent)
    }

    /// One path component: not empty, not `.` or `..`, no separator.
    package static func isSafeComponent<S: StringProtocol>(_ component: S) -> Bool {
        !component.isEmpty && component != "." && component != ".." && !component.contains("/")
            && !component.contains("\\") && !component.contains("\0")
    }

    /// `relative` under `root`, or nil when it is not safe or would land outside `root`.
    package static func resolve(_ relative: String, under root: URL) -> URL? {
        guard isSafe(relative) else { return nil }
        let base = root.standardizedFileURL.path
        let joined = root.appendingPathComponent(relative).standardizedFileURL
        let prefix = base.hasSuffix("/") ? base : base + "/"
        guard joined.path.hasPrefix(prefix) else { return nil }
        return joined
    }

    /// A registry name, alias or ID as one directory name: anything outside `[A-Za-z0-9._-]`
    /// is percent-encoded, so `a/b` or `..` cannot become a path.
    package static func cacheComponent(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if (byte < 0x80) && (CharacterSet.alphanumerics.contains(scalar) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "."))
            {
                out.unicodeScalars.append(scalar)
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        if out.isEmpty || out == "." || out == ".." || out.allSatisfy({ $0 == "." }) {
            out = out.replacingOccurrences(of: ".", with: "%2E")
            if out.isEmpty { out = "%" }
        }
        return out
    }
}
