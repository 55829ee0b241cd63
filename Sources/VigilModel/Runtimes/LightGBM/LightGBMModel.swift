#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A LightGBM text model read into the tree IR, independent of the Python class around it.
///
/// ## How LightGBM 4.x walks a tree, and how the IR reproduces it
///
/// LightGBM reads a dense row through `RowPairFunctionFromDenseMatric`, which keeps a value only if
/// `|x| > kZeroThreshold` (`1e-35f` widened to double) or it is NaN; everything else reads as 0.0.
/// Each split then follows `Tree::Decision` (`include/LightGBM/tree.h`), by `decision_type` bits:
/// bit 0 categorical, bit 1 default-left, bits 2–3 the missing type (0 None, 1 Zero, 2 NaN).
///
/// * Numerical, missing type None: NaN becomes 0.0, then `x <= threshold`. The IR sends NaN to the
///   side 0.0 goes to (`defaultLeft = 0 <= threshold`), which is the same thing.
/// * Numerical, missing type NaN: NaN goes to the default side, else `x <= threshold`.
/// * Numerical, missing type Zero: NaN becomes 0.0; a zero goes to the default side, else
///   `x <= threshold`. The IR reads such splits from an input slot where zero is NaN.
/// * Categorical: NaN goes right; else `int c = (int)x` (truncation; out of int range gives
///   INT_MIN on x86), a negative `c` goes right, and `c` in the node's bitset goes left. The IR
///   reads such splits from an input slot holding `trunc(x)` for `-1 < x < 2^31`, else -1.
///
/// So the IR sees `inputs.count` slots per row: slot `f < featureCount` is feature `f` under the
/// transform its splits need; a feature read by splits of different kinds gets extra slots after
/// `featureCount`. `LightGBMFeatures` fills them.
///
/// Leaves are summed in double in tree order from 0 (the init score is folded into the first
/// tree); `average_output` (rf) divides by the iteration count before the objective's transform.
package struct LightGBMModel: Sendable {
    /// How a slot of the evaluator's row derives from a model feature.
    package enum InputTransform: Sendable, Hashable {
        /// The value as LightGBM reads it (|x| <= 1e-35 is 0.0; NaN stays NaN).
        case value
        /// As `.value`, then 0.0 becomes NaN (splits with missing type Zero).
        case zeroAsMissing
        /// NaN stays NaN; `trunc(x)` for `-1 < x < 2^31`; else -1 (categorical splits).
        case category
    }

    package struct Input: Sendable, Hashable {
        package let feature: Int
        package let transform: InputTransform
    }

    /// `feature_names` (LightGBM always stores them; `Column_0`... when trained without names).
    package let featureNames: [String]
    /// `max_feature_idx + 1`.
    package let featureCount: Int
    /// `num_tree_per_iteration` (classes for multiclass objectives, else 1).
    package let treesPerIteration: Int
    package let objective: LightGBMObjective
    /// `average_output` (boosting=rf).
    package let averageOutput: Bool
    package let ensemble: TreeEnsemble<Double>
    /// The evaluator's row: one slot per ensemble feature.
    package let inputs: [Input]
    /// For each feature that a pandas categorical column fed at training, its category names
    /// (`pandas_categorical`, matched to the `categorical_feature` parameter in order).
    package let categoryNames: [Int: [String]]

    /// The number of boosting iterations stored.
    package var iterationCount: Int { ensemble.treeCount / treesPerIteration }

    /// Most features a model may have (each request allocates rows × features doubles).
    package static let maxFeatures = 1 << 20

    /// `kZeroThreshold`: `1e-35f`, a float constant widened to double.
    package static let zeroThreshold = Double(Float(1e-35))

    package init(contentsOf file: URL) throws(ModelFileError) {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw .unreadable(path: file.path, reason: "\(error)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: file.path, reason: "not UTF-8 text")
        }
        try self.init(text: text)
    }

    package init(text: String) throws(ModelFileError) {
        try self.init(sections: try LightGBMText(text: text))
    }

    package init(sections text: LightGBMText) throws(ModelFileError) {
        let header = LightGBMFields(fields: text.header, place: "header")
        let maxFeatureIndex = try header.int("max_feature_idx", in: -1...(Self.maxFeatures - 1))
        let featureCount = maxFeatureIndex + 1
        self.featureCount = featureCount
        let names = try header.string("feature_names").split(separator: " ").map(String.init)
        guard names.count == featureCount else {
            throw .invalidValue(field: "header.feature_names", reason: "\(names.count) names for \(featureCount) features")
        }
        featureNames = names
        if let infos = text.header["feature_infos"], infos.split(separator: " ").count != featureCount {
            throw .invalidValue(field: "header.feature_infos", reason: "not one entry per feature")
        }
        let classCount = try header.int("num_class", in: 1...(1 << 16))
        treesPerIteration =
            text.header["num_tree_per_iteration"] != nil
            ? try header.int("num_tree_per_iteration", in: 1...(1 << 16)) : classCount
        _ = try header.int("label_index")
        objective = try LightGBMObjective(text: text.header["objective"])
        if objective.classCount != 1 && objective.classCount != treesPerIteration {
            throw .invalidValue(
                field: "header.objective", reason: "\(objective.classCount) classes for \(treesPerIteration) trees per iteration")
        }
        averageOutput = text.header["average_output"] != nil

        let trees = try text.trees.enumerated().map { (t, fields) throws(ModelFileError) in
            try LightGBMTree(fields: LightGBMFields(fields: fields, place: "tree \(t)"), featureCount: featureCount)
        }
        guard trees.count % treesPerIteration == 0 else {
            throw .invalidValue(field: "trees", reason: "\(trees.count) trees for \(treesPerIteration) trees per iteration")
        }

        // Input slots: feature f under the first transform its splits need; extra slots after.
        var primary = [InputTransform?](repeating: nil, count: featureCount)
        var extra: [Input: Int] = [:]
        var inputs = (0..<featureCount).map { Input(feature: $0, transform: .value) }
        func slot(_ feature: Int, _ transform: InputTransform) -> Int {
            if primary[feature] == nil {
                primary[feature] = transform
                inputs[feature] = Input(feature: feature, transform: transform)
            }
            if primary[feature] == transform { return feature }
            let key = Input(feature: feature, transform: transform)
            if let s = extra[key] { return s }
            inputs.append(key)
            extra[key] = inputs.count - 1
            return inputs.count - 1
        }
        var slots: [[Int]] = []
        for tree in trees {
            slots.append(tree.splits.map { s in slot(s.feature, s.transform) })
        }
        self.inputs = inputs

        var builder = EnsembleBuilder<Double>(featureCount: inputs.count, groupCount: treesPerIteration, comparison: .lessOrEqual)
        for (t, tree) in trees.enumerated() {
            try tree.build(into: &builder, group: t % treesPerIteration, slots: slots[t])
        }
        ensemble = try builder.finish()
        categoryNames = try Self.categoryNames(text)
    }

    /// `pandas_categorical` by feature: the i-th list belongs to the i-th feature of the
    /// `categorical_feature` parameter (LightGBM's Python package lists the DataFrame's
    /// categorical columns in order for both). Lists that cannot be matched are dropped.
    private static func categoryNames(_ text: LightGBMText) throws(ModelFileError) -> [Int: [String]] {
        guard let json = text.pandasCategorical, json != "null" else { return [:] }
        let lists: ModelJSON
        do {
            lists = try JSONModelReader().parse(Array(json.utf8))
        } catch {
            throw .invalidValue(field: "pandas_categorical", reason: "not JSON: \(error)")
        }
        guard case .array(let items) = lists else {
            throw .wrongType(field: "pandas_categorical", expected: "a list")
        }
        let features = (text.parameters["categorical_feature"] ?? "").split(separator: ",").compactMap { Int($0) }
        guard features.count == items.count else { return [:] }
        var out: [Int: [String]] = [:]
        for (feature, item) in zip(features, items) {
            guard case .array(let values) = item else { continue }
            var names: [String] = []
            for value in values {
                guard case .string(let s) = value else {
                    names = []
                    break
                }
                names.append(s)
            }
            if !names.isEmpty { out[feature] = names }
        }
        return out
    }
}

/// One `Tree=` section: LightGBM's arrays, checked, before layout.
private struct LightGBMTree {
    struct Split {
        let feature: Int
        let transform: LightGBMModel.InputTransform
    }

    let leafValues: [Double]
    let left: [Int]
    let right: [Int]
    let thresholds: [Double]
    let decisionTypes: [Int]
    let splits: [Split]
    /// Per categorical split index: the bitset words.
    let categorySets: [[UInt32]]

    init(fields: LightGBMFields, featureCount: Int) throws(ModelFileError) {
        let leaves = try fields.int("num_leaves", in: 1...(1 << 23))
        let categories = try fields.int("num_cat", in: 0...(1 << 23))
        leafValues = try fields.doubles("leaf_value", count: leaves)
        if let linear = fields.fields["is_linear"], linear != "0" {
            throw .unsupported("LightGBM linear trees (linear_tree=true)")
        }
        let inner = leaves - 1
        guard inner > 0 else {
            left = []
            right = []
            thresholds = []
            decisionTypes = []
            splits = []
            categorySets = []
            return
        }
        // Children: >= 0 an inner node, < 0 the leaf ~child.
        left = try fields.ints("left_child", count: inner, in: -leaves...(inner - 1))
        right = try fields.ints("right_child", count: inner, in: -leaves...(inner - 1))
        let features = try fields.ints("split_feature", count: inner, in: 0...max(featureCount - 1, 0))
        guard featureCount > 0 else { throw .invalidValue(field: "\(fields.place).split_feature", reason: "the model has no features") }
        thresholds = try fields.doubles("threshold", count: inner)
        decisionTypes =
            fields.fields["decision_type"] != nil
            ? try fields.ints("decision_type", count: inner, in: -128...127) : Array(repeating: 0, count: inner)

        var sets: [[UInt32]] = []
        if categories > 0 {
            let bounds = try fields.ints("cat_boundaries", count: categories + 1, in: 0...(1 << 26))
            guard bounds[0] == 0, zip(bounds, bounds.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw .invalidValue(field: "\(fields.place).cat_boundaries", reason: "must start at 0 and not decrease")
            }
            let words = try fields.ints("cat_threshold", count: bounds[categories], in: 0...Int(UInt32.max))
            for c in 0..<categories { sets.append(words[bounds[c]..<bounds[c + 1]].map { UInt32($0) }) }
        }
        categorySets = sets

        var splits: [Split] = []
        for n in 0..<inner {
            let type = decisionTypes[n]
            let transform: LightGBMModel.InputTransform
            if type & 1 != 0 {
                let index = thresholds[n]
                guard index >= 0, index < Double(categories), index == index.rounded(.towardZero) else {
                    throw .invalidValue(field: "\(fields.place).threshold", reason: "node \(n): category set \(index) does not exist")
                }
                transform = .category
            } else {
                transform = (type >> 2) & 3 == 1 ? .zeroAsMissing : .value
            }
            splits.append(Split(feature: features[n], transform: transform))
        }
        self.splits = splits
    }

    /// Describes the tree to `builder`: inner node `n` is node `n`, leaf `l` is node `inner + l`.
    func build(into builder: inout EnsembleBuilder<Double>, group: Int, slots: [Int]) throws(ModelFileError) {
        let inner = leafValues.count - 1
        try builder.beginTree(nodeCount: leafValues.count + inner, group: group)
        func node(_ child: Int) -> Int { child >= 0 ? child : inner + ~child }
        for n in 0..<inner {
            let type = decisionTypes[n]
            if type & 1 != 0 {
                var members: [Int] = []
                for (w, word) in categorySets[Int(thresholds[n])].enumerated() where word != 0 {
                    for b in 0..<32 where word & (1 << UInt32(b)) != 0 { members.append(w * 32 + b) }
                }
                try builder.categoricalSplit(
                    node: n, feature: slots[n], categories: members, matchGoesLeft: true, defaultLeft: false,
                    left: node(left[n]), right: node(right[n]))
            } else {
                let missing = (type >> 2) & 3
                // Missing type None (and the unused 3): NaN reads as 0.0, so it goes where 0 goes.
                let defaultLeft = missing == 0 || missing == 3 ? 0 <= thresholds[n] : type & 2 != 0
                try builder.numericalSplit(
                    node: n, feature: slots[n], threshold: thresholds[n], defaultLeft: defaultLeft,
                    left: node(left[n]), right: node(right[n]))
            }
        }
        for (l, value) in leafValues.enumerated() { try builder.leaf(node: inner + l, value: value) }
        try builder.endTree()
    }
}
