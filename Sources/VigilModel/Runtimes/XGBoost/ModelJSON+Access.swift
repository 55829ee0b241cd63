/// A value inside a `ModelJSON` document together with its path, so that every access that
/// fails can say where (`learner.gradient_booster.model.trees[3].left_children`).
package struct JSONField {
    package let value: ModelJSON
    package let path: String

    package init(_ value: ModelJSON, path: String = "") {
        self.value = value
        self.path = path
    }

    private func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The member `key` of an object; throws if this is no object or the member is absent.
    package func callAsFunction(_ key: String) throws(ModelFileError) -> JSONField {
        guard let field = try optional(key) else { throw .missingField(child(key)) }
        return field
    }

    /// The member `key` of an object, or nil if absent.
    package func optional(_ key: String) throws(ModelFileError) -> JSONField? {
        guard case .object(let fields) = value else { throw .wrongType(field: path, expected: "an object") }
        return fields[key].map { JSONField($0, path: child(key)) }
    }

    package func array() throws(ModelFileError) -> [JSONField] {
        let items: [ModelJSON]
        switch value {
        case .array(let a): items = a
        case .floats(let a): items = a.map { .number(Double($0), float: $0) }
        case .doubles(let a): items = a.map { .number($0, float: Float($0)) }
        case .integers(let a): items = a.map { .int($0) }
        default: throw .wrongType(field: path, expected: "an array")
        }
        return items.enumerated().map { JSONField($1, path: "\(path)[\($0)]") }
    }

    package func string() throws(ModelFileError) -> String {
        guard case .string(let s) = value else { throw .wrongType(field: path, expected: "a string") }
        return s
    }

    /// An integer, also when written as a string (`"num_class": "3"`) as XGBoost does.
    package func int() throws(ModelFileError) -> Int {
        switch value {
        case .int(let i):
            guard let v = Int(exactly: i) else { break }
            return v
        case .number(let d, _):
            guard let v = Int(exactly: d) else { break }
            return v
        case .string(let s):
            guard let v = Int(s.trimmingSpaces) else { break }
            return v
        case .bool(let b):
            return b ? 1 : 0
        default:
            throw .wrongType(field: path, expected: "an integer")
        }
        throw .invalidValue(field: path, reason: "not an integer")
    }

    /// A float32 as XGBoost reads it: a float32 number's own bits, a decimal parsed straight to
    /// float32, or a string holding such a decimal.
    package func float() throws(ModelFileError) -> Float {
        switch value {
        case .int(let i): return Float(i)
        case .number(_, let f): return f
        case .string(let s):
            guard let f = Float(s.trimmingSpaces) else { break }
            return f
        default:
            throw .wrongType(field: path, expected: "a number")
        }
        throw .invalidValue(field: path, reason: "not a number")
    }

    /// An array of numbers as float32.
    package func floats() throws(ModelFileError) -> [Float] {
        switch value {
        case .floats(let a): return a
        case .doubles(let a): return a.map { Float($0) }
        case .integers(let a): return a.map { Float($0) }
        case .array:
            var out: [Float] = []
            for item in try array() { out.append(try item.float()) }
            return out
        default: throw .wrongType(field: path, expected: "an array of numbers")
        }
    }

    /// An array of integers (booleans read as 0 and 1), each within `range`.
    package func ints(in range: ClosedRange<Int64> = Int64(Int32.min)...Int64(Int32.max)) throws(ModelFileError) -> [Int] {
        var out: [Int] = []
        switch value {
        case .integers(let a):
            out.reserveCapacity(a.count)
            for (i, v) in a.enumerated() {
                guard range.contains(v) else {
                    throw .invalidValue(field: "\(path)[\(i)]", reason: "\(v) is outside \(range)")
                }
                out.append(Int(v))
            }
        case .array:
            for item in try array() {
                let v = try item.int()
                guard range.contains(Int64(v)) else {
                    throw .invalidValue(field: item.path, reason: "\(v) is outside \(range)")
                }
                out.append(v)
            }
        default: throw .wrongType(field: path, expected: "an array of integers")
        }
        return out
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        let s = self.drop(while: { $0 == " " })
        return s.dropLast(s.reversed().prefix(while: { $0 == " " }).count)
    }
}
