/// A model directory Vigil cannot serve, with a sentence saying what is wrong.
package enum ModelFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file could not be read.
    case unreadable(path: String, reason: String)
    /// `MLmodel` is not YAML.
    case invalidYAML(String)
    /// A field has the wrong shape, e.g. `flavors` is not a mapping.
    case invalidField(String, expected: String)
    /// `MLmodel` has no flavors at all.
    case noFlavors
    /// A signature field (`inputs`, `outputs`, `params`) is not the JSON MLflow writes.
    case invalidSignature(field: String, reason: String)

    package var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .invalidYAML(let reason): "MLmodel is not valid YAML: \(reason)"
        case .invalidField(let field, let expected): "MLmodel field '\(field)' must be \(expected)"
        case .noFlavors: "MLmodel lists no flavors, so there is nothing to load"
        case .invalidSignature(let field, let reason): "MLmodel signature '\(field)' is invalid: \(reason)"
        }
    }
}
