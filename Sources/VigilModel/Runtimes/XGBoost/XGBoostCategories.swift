/// The category names XGBoost (3.1+) stores with a model trained on pandas categoricals
/// (`gradient_booster.model.cats`): for each categorical feature, its training categories in
/// code order. Tree splits test codes; this maps a request's category strings to those codes,
/// as XGBoost re-codes a DataFrame's categories at prediction.
package struct XGBoostCategories: Sendable, Equatable {
    package enum Names: Sendable, Equatable {
        case strings([String])
        case integers([Int64])
    }

    /// Per feature index: the categories, position = code. Absent for non-categorical features.
    package let names: [Int: Names]
    private let codes: [Int: [String: Int]]

    package init(names: [Int: Names]) {
        self.names = names
        var codes: [Int: [String: Int]] = [:]
        for (feature, list) in names {
            var map: [String: Int] = [:]
            switch list {
            case .strings(let s):
                // A duplicated name keeps its first code.
                for (code, name) in s.enumerated() where map[name] == nil { map[name] = code }
            case .integers(let v):
                for (code, value) in v.enumerated() where map[String(value)] == nil { map[String(value)] = code }
            }
            codes[feature] = map
        }
        self.codes = codes
    }

    package static let empty = XGBoostCategories(names: [:])

    package var isEmpty: Bool { names.isEmpty }

    /// The code of category `name` of feature `feature`, or nil if training never saw it.
    package func code(of name: String, feature: Int) -> Int? {
        codes[feature]?[name]
    }

    package func hasNames(feature: Int) -> Bool { names[feature] != nil }

    /// Reads `cats` (XGBoost's `CatContainer::Save`): `enc` holds one entry per feature, either
    /// `{offsets, values}` (UTF-8 bytes of the names, as int8) or `{type, values}` (integers).
    package init(json cats: JSONField, featureCount: Int) throws(ModelFileError) {
        var names: [Int: Names] = [:]
        let encodings = try cats("enc").array()
        guard encodings.count <= featureCount else {
            throw .invalidValue(field: cats.path + ".enc", reason: "\(encodings.count) entries for \(featureCount) features")
        }
        for (feature, enc) in encodings.enumerated() {
            if let offsetsField = try enc.optional("offsets") {
                let offsets = try offsetsField.ints()
                let bytes = try enc("values").ints(in: -128...255).map { UInt8(truncatingIfNeeded: $0) }
                if offsets.isEmpty && bytes.isEmpty { continue }
                guard offsets.first == 0, offsets.last == bytes.count, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 })
                else {
                    throw .invalidValue(field: offsetsField.path, reason: "offsets do not delimit the name bytes")
                }
                var list: [String] = []
                list.reserveCapacity(offsets.count - 1)
                for (begin, end) in zip(offsets, offsets.dropFirst()) {
                    list.append(String(decoding: bytes[begin..<end], as: UTF8.self))
                }
                names[feature] = .strings(list)
            } else {
                let values = try enc("values").ints(in: Int64.min...Int64.max)
                if values.isEmpty { continue }
                names[feature] = .integers(values.map { Int64($0) })
            }
        }
        self.init(names: names)
    }
}
