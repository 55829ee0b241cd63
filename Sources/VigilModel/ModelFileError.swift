/// A model directory or file that cannot be loaded: unreadable, malformed, hostile or unsupported.
///
/// Model files are untrusted input. Every reader and the `EnsembleBuilder` report problems with
/// one of these cases instead of trapping, and each case names the place in the file.
package enum ModelFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read at all.
    case unreadable(path: String, reason: String)

    // The MLmodel file, reported by `ModelManifest`.
    /// `MLmodel` is not YAML.
    case invalidYAML(String)
    /// An MLmodel field has the wrong shape, e.g. `flavors` is not a mapping.
    case invalidField(String, expected: String)
    /// `MLmodel` has no flavors at all.
    case noFlavors
    /// A signature field (`inputs`, `outputs`, `params`) is not the JSON MLflow writes.
    case invalidSignature(field: String, reason: String)

    // Model files, reported by the readers.
    /// The bytes are not valid UBJSON or JSON at `offset`.
    case malformed(offset: Int, reason: String)
    /// The document exceeds a reader limit (nesting depth, element count, size).
    case limitExceeded(String)
    /// A required field is absent (`field` is a dotted path such as `learner.objective.name`).
    case missingField(String)
    /// A field has the wrong JSON type.
    case wrongType(field: String, expected: String)
    /// A field has a value the format does not allow.
    case invalidValue(field: String, reason: String)
    /// The model is valid but uses something Vigil does not evaluate natively.
    case unsupported(String)

    // Tree structure, reported by `EnsembleBuilder`.
    case childOutOfRange(tree: Int, node: Int, child: Int)
    case featureOutOfRange(tree: Int, node: Int, feature: Int)
    case categoryOutOfRange(tree: Int, node: Int, category: Int)
    case nodeOutOfRange(tree: Int, node: Int)
    case nodeDefinedTwice(tree: Int, node: Int)
    case nodeUndefined(tree: Int, node: Int)
    /// A node is reached twice from the root (a cycle or a shared subtree).
    case nodeReachedTwice(tree: Int, node: Int)
    case invalidTree(tree: Int, reason: String)

    package var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .invalidYAML(let reason): "MLmodel is not valid YAML: \(reason)"
        case .invalidField(let field, let expected): "MLmodel field '\(field)' must be \(expected)"
        case .noFlavors: "MLmodel lists no flavors, so there is nothing to load"
        case .invalidSignature(let field, let reason): "MLmodel signature '\(field)' is invalid: \(reason)"
        case .malformed(let offset, let reason): "malformed model file at byte \(offset): \(reason)"
        case .limitExceeded(let what): "model file exceeds a limit: \(what)"
        case .missingField(let field): "model file lacks the field \(field)"
        case .wrongType(let field, let expected): "model file field \(field) is not \(expected)"
        case .invalidValue(let field, let reason): "model file field \(field) is invalid: \(reason)"
        case .unsupported(let what): "model is not supported by the native runtime: \(what)"
        case .childOutOfRange(let tree, let node, let child):
            "tree \(tree), node \(node): child \(child) is not a node of the tree"
        case .featureOutOfRange(let tree, let node, let feature):
            "tree \(tree), node \(node): feature \(feature) is out of range"
        case .categoryOutOfRange(let tree, let node, let category):
            "tree \(tree), node \(node): category \(category) is out of range"
        case .nodeOutOfRange(let tree, let node): "tree \(tree): node \(node) is out of range"
        case .nodeDefinedTwice(let tree, let node): "tree \(tree): node \(node) is defined twice"
        case .nodeUndefined(let tree, let node): "tree \(tree): node \(node) is referenced but never defined"
        case .nodeReachedTwice(let tree, let node):
            "tree \(tree): node \(node) is reached twice from the root (cycle or shared subtree)"
        case .invalidTree(let tree, let reason): "tree \(tree): \(reason)"
        }
    }

    /// The sentence to show a user.
    package var message: String { description }
}
