/// Typed reads of an estimator's state, each failing with the attribute's name.
struct SkopsObject {
    let value: SkopsValue
    /// The class, `module.Class`.
    let type: String

    init(_ value: SkopsValue) throws(ModelFileError) {
        guard case .object(let type, _) = value else { throw .wrongType(field: "model.skops", expected: "an estimator") }
        self.value = value
        self.type = type
    }

    /// The short class name (`LogisticRegression`).
    var name: String { String(type.split(separator: ".").last ?? "") }

    func has(_ key: String) -> Bool {
        if case .none? = value[key] { return false }
        return value[key] != nil
    }

    func raw(_ key: String) throws(ModelFileError) -> SkopsValue {
        guard let v = value[key] else { throw .missingField("\(name).\(key)") }
        return v
    }

    func string(_ key: String) throws(ModelFileError) -> String {
        guard case .string(let s) = try raw(key) else { throw .wrongType(field: "\(name).\(key)", expected: "a string") }
        return s
    }

    func optionalString(_ key: String) throws(ModelFileError) -> String? {
        switch value[key] {
        case nil, .none?: return nil
        case .string(let s)?: return s
        default: throw .wrongType(field: "\(name).\(key)", expected: "a string")
        }
    }

    func bool(_ key: String, default fallback: Bool? = nil) throws(ModelFileError) -> Bool {
        switch value[key] {
        case .bool(let b)?: return b
        case nil where fallback != nil, .none? where fallback != nil: return fallback ?? false
        default: throw .wrongType(field: "\(name).\(key)", expected: "a boolean")
        }
    }

    func int(_ key: String) throws(ModelFileError) -> Int {
        switch try raw(key) {
        case .int(let i): return Int(i)
        case .array(let a):
            if case .int64(let v) = a.values, v.count == 1, a.shape.isEmpty { return Int(v[0]) }
        default: break
        }
        throw .wrongType(field: "\(name).\(key)", expected: "an integer")
    }

    func double(_ key: String) throws(ModelFileError) -> Double {
        try Self.double(try raw(key), field: "\(name).\(key)")
    }

    static func double(_ v: SkopsValue, field: String) throws(ModelFileError) -> Double {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .array(let a) where a.count == 1:
            if let d = a.doubles { return d[0] }
        default: break
        }
        throw .wrongType(field: field, expected: "a number")
    }

    func array(_ key: String) throws(ModelFileError) -> NPYArray {
        guard case .array(let a) = try raw(key) else { throw .wrongType(field: "\(name).\(key)", expected: "an array") }
        return a
    }

    /// A numeric array's values as doubles, with its shape.
    func doubles(_ key: String) throws(ModelFileError) -> (shape: [Int], values: [Double]) {
        let a = try array(key)
        guard let v = a.doubles else { throw .wrongType(field: "\(name).\(key)", expected: "a numeric array") }
        return (a.shape, v)
    }

    func object(_ key: String) throws(ModelFileError) -> SkopsObject { try SkopsObject(try raw(key)) }

    func list(_ key: String) throws(ModelFileError) -> [SkopsValue] {
        guard case .list(let l) = try raw(key) else { throw .wrongType(field: "\(name).\(key)", expected: "a list") }
        return l
    }

    /// `feature_names_in_`, if the estimator was fitted on a DataFrame.
    func featureNames() throws(ModelFileError) -> [String]? {
        guard has("feature_names_in_") else { return nil }
        guard case .string(let names) = try array("feature_names_in_").values else {
            throw .wrongType(field: "\(name).feature_names_in_", expected: "strings")
        }
        return names
    }
}
