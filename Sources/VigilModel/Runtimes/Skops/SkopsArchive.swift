#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A skops archive (`model.skops`: a zip of `schema.json` and `.npy` arrays) read as plain data.
///
/// skops describes each Python object as a node (`__class__`, `__module__`, `__loader__`,
/// `content`). Nothing is executed or imported: nodes become `SkopsValue`s, and only objects whose
/// class is on `SkopsArchive.knownClasses` are materialised. Any other class (an estimator Vigil
/// does not evaluate, a function, a method, a `__reduce__` of an unknown type) fails the load with
/// `ModelFileError.unsupported` naming it, so the server can fall back to the Python runtime.
package struct SkopsArchive: Sendable {
    package let root: SkopsValue
    /// `_skops_version` of the writer.
    package let skopsVersion: String?

    /// Largest archive read (1 GiB).
    package static let maxBytes = 1 << 30
    /// Deepest nesting of nodes.
    package static let maxDepth = 96

    /// Python classes materialised as `.object` (module-qualified). Containers, numbers and
    /// strings have their own node types and are always read.
    package static let knownClasses: Set<String> = Set<String>([
        "lightgbm.sklearn.LGBMClassifier", "lightgbm.sklearn.LGBMRegressor", "lightgbm.sklearn.LGBMRanker",
        "lightgbm.basic.Booster", "sklearn.preprocessing._label.LabelEncoder", "lightgbm.compat._LGBMLabelEncoder",
        "lightgbm.sklearn._LGBMLabelEncoder",
    ]).union(SklearnClasses.all)

    package init(contentsOf file: URL) throws(ModelFileError) {
        let bytes: [UInt8]
        do {
            let data = try Data(contentsOf: file)
            guard data.count <= Self.maxBytes else { throw ModelFileError.limitExceeded("skops archive larger than \(Self.maxBytes) bytes") }
            bytes = [UInt8](data)
        } catch let error as ModelFileError {
            throw error
        } catch {
            throw .unreadable(path: file.path, reason: "\(error)")
        }
        try self.init(bytes: bytes)
    }

    package init(bytes: [UInt8]) throws(ModelFileError) {
        let zip = try ZipArchive(bytes: bytes)
        var limits = ModelJSONLimits()
        limits.maxDepth = Self.maxDepth * 4
        let schema = try JSONModelReader(limits: limits).parse(Array(try zip.data("schema.json")))
        guard case .object(let top) = schema else { throw .wrongType(field: "schema.json", expected: "an object") }
        if case .int(let protocolVersion)? = top["protocol"], protocolVersion > 2 {
            throw .unsupported("skops protocol \(protocolVersion)")
        }
        if case .string(let v)? = top["_skops_version"] { skopsVersion = v } else { skopsVersion = nil }
        var reader = SkopsNodeReader(zip: zip)
        root = try reader.value(schema, path: "schema", depth: 0)
    }
}

/// A Python value from a skops archive.
package indirect enum SkopsValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    /// A list, tuple or set, in order.
    case list([SkopsValue])
    /// A dict (keys as skops writes them: strings, or the text of int keys).
    case dict([String: SkopsValue])
    /// A numpy array or numpy scalar (shape `[]`); a top-level `V` (void) dtype is refused.
    case array(NPYArray)
    /// An instance of `type` (`module.Class`) with its state (usually its `__dict__` as `.dict`).
    case object(type: String, state: SkopsValue)
    /// A class used as a value (`dtype=np.float64`), as `module.Class`.
    case type(String)

    /// The object's attribute `key` (nil if absent or not an object with a dict state).
    package subscript(_ key: String) -> SkopsValue? {
        switch self {
        case .object(_, .dict(let d)): d[key]
        case .dict(let d): d[key]
        default: nil
        }
    }

    package var typeName: String? {
        if case .object(let type, _) = self { return type }
        return nil
    }
}

private struct SkopsNodeReader {
    let zip: ZipArchive
    var nodes = 0
    static let maxNodes = 1 << 22

    mutating func value(_ json: ModelJSON, path: String, depth: Int) throws(ModelFileError) -> SkopsValue {
        guard depth <= SkopsArchive.maxDepth else { throw .limitExceeded("skops nodes nested deeper than \(SkopsArchive.maxDepth)") }
        nodes += 1
        guard nodes <= Self.maxNodes else { throw .limitExceeded("more than \(Self.maxNodes) skops nodes") }
        guard case .object(let node) = json else { throw .wrongType(field: path, expected: "a skops node") }
        func string(_ key: String) throws(ModelFileError) -> String {
            guard case .string(let s)? = node[key] else { throw .missingField("\(path).\(key)") }
            return s
        }
        let cls = try string("__class__")
        let module = try string("__module__")
        let loader = try string("__loader__")
        let qualified = "\(module).\(cls)"
        switch loader {
        case "JsonNode":
            return try Self.json(try string("content"), path: path)
        case "ListNode", "TupleNode", "SetNode":
            guard case .array(let items)? = node["content"] else { throw .wrongType(field: "\(path).content", expected: "a list") }
            var out: [SkopsValue] = []
            for (i, item) in items.enumerated() { out.append(try value(item, path: "\(path)[\(i)]", depth: depth + 1)) }
            return .list(out)
        case "DictNode":
            guard case .object(let items)? = node["content"] else { throw .wrongType(field: "\(path).content", expected: "an object") }
            var out: [String: SkopsValue] = [:]
            for (key, item) in items { out[key] = try value(item, path: "\(path).\(key)", depth: depth + 1) }
            return .dict(out)
        case "DefaultDictNode":
            // Only the mapping matters here; the default factory is dropped, never called.
            guard case .object(let c)? = node["content"], let inner = c["main"] else {
                throw .wrongType(field: "\(path).content", expected: "a defaultdict")
            }
            return try value(inner, path: "\(path).main", depth: depth + 1)
        case "TypeNode":
            return .type(qualified)
        case "RandomGeneratorNode", "BitGeneratorNode":
            // Random state (a fitted model's leftover sampler): dropped, never rebuilt.
            return .none
        case "DTypeNode":
            // A numpy dtype instance (an imputer's `_fit_dtype`): kept as its type, never built.
            return .type(qualified)
        case "NdArrayNode":
            return try array(node, path: path, depth: depth)
        case "SliceNode":
            // A `slice` (ColumnTransformer.output_indices_): start, stop, step as a list.
            guard case .object(let c)? = node["content"] else { throw .wrongType(field: "\(path).content", expected: "a slice") }
            var parts: [SkopsValue] = []
            for key in ["start", "stop", "step"] {
                switch c[key] {
                case .int(let i)?: parts.append(.int(i))
                case .null?, nil: parts.append(.none)
                default: throw .wrongType(field: "\(path).\(key)", expected: "an integer or null")
                }
            }
            return .list(parts)
        case "ObjectNode", "TreeNode", "ReduceNode", "SGDNode", "LossNode":
            guard SkopsArchive.knownClasses.contains(qualified) else { throw .unsupported("\(qualified) in a skops archive") }
            // TreeNode/ReduceNode carry constructor args in __reduce__; the state holds everything read here.
            guard let content = node["content"] else { return .object(type: qualified, state: .none) }
            return .object(type: qualified, state: try value(content, path: "\(path).\(cls)", depth: depth + 1))
        default:
            throw .unsupported("skops \(loader) (\(qualified))")
        }
    }

    /// A JsonNode's content: JSON text of a str, int, float, bool or None.
    static func json(_ text: String, path: String) throws(ModelFileError) -> SkopsValue {
        let parsed: ModelJSON
        do {
            parsed = try JSONModelReader().parse(Array(text.utf8))
        } catch {
            throw .invalidValue(field: path, reason: "JsonNode content is not JSON")
        }
        switch parsed {
        case .null: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .number(let d, _): return .double(d)
        case .string(let s): return .string(s)
        default: throw .invalidValue(field: path, reason: "JsonNode content is not a scalar")
        }
    }

    mutating func array(_ node: [String: ModelJSON], path: String, depth: Int) throws(ModelFileError) -> SkopsValue {
        guard case .string(let type)? = node["type"] else { throw .missingField("\(path).type") }
        switch type {
        case "numpy":
            guard case .string(let file)? = node["file"] else { throw .missingField("\(path).file") }
            return .array(try NPYArray(npy: try zip.data(file), name: file))
        case "json":
            // An object array, stored as a list of nodes: only strings and None are accepted.
            guard case .array(let items)? = node["content"] else { throw .wrongType(field: "\(path).content", expected: "a list") }
            var strings: [String?] = []
            for (i, item) in items.enumerated() {
                switch try value(item, path: "\(path)[\(i)]", depth: depth + 1) {
                case .string(let s): strings.append(s)
                case .none: strings.append(nil)
                default: throw .unsupported("\(path): object arrays of anything but strings")
                }
            }
            var shape = [strings.count]
            if case .array(let dims)? = node["shape"] {
                shape = []
                for d in dims {
                    guard case .int(let n) = d, n >= 0 else { throw .invalidValue(field: "\(path).shape", reason: "not a shape") }
                    shape.append(Int(n))
                }
                guard NPYArray.elementCount(shape) == strings.count else { throw .invalidValue(field: "\(path).shape", reason: "does not match") }
            }
            let values: NPYArray.Values = strings.contains(nil) ? .objects(strings) : .string(strings.map { $0 ?? "" })
            return .array(NPYArray(shape: shape, values: values))
        default:
            throw .unsupported("skops array storage \(type)")
        }
    }
}
