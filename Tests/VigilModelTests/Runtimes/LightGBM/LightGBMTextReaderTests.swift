import Testing
import VigilModel

/// Hostile and malformed text models: each is a clear `ModelFileError`, never a crash.
@Suite struct LightGBMTextReaderTests {
    static func model(header: String = "", tree: String) -> String {
        """
        tree
        version=v4
        num_class=1
        num_tree_per_iteration=1
        label_index=0
        max_feature_idx=1
        objective=regression
        feature_names=a b
        feature_infos=[0:1] [0:1]
        \(header)
        Tree=0
        \(tree)

        end of trees
        """
    }

    static let goodTree = """
        num_leaves=3
        num_cat=0
        split_feature=0 1
        threshold=0.5 0.25
        decision_type=2 2
        left_child=1 -1
        right_child=-2 -3
        leaf_value=1 2 3
        """

    @Test func aSmallModelPredicts() throws {
        let model = try LightGBMModel(text: Self.model(tree: Self.goodTree))
        let predictor = try LightGBMPredictor(model: model, modelClass: .booster, bestIteration: nil, labels: nil)
        let frame = Frame(names: ["a", "b"], columns: [.double([0, 0, 1, .nan]), .double([0, 1, 0, .nan])], rowCount: 4)
        // a <= 0.5 → node 1 (b <= 0.25 → leaf 0 else leaf 2); else leaf 1. NaN (missing type None) reads as 0.
        #expect(try predictor.predict(frame) == .doubles([1, 3, 2, 1]))
    }

    @Test(arguments: [
        ("garbage", "not a model"),
        ("no trees header", "tree\nnum_class=1\n"),
        ("child out of range", model(tree: goodTree.replacingOccurrences(of: "left_child=1 -1", with: "left_child=7 -1"))),
        ("cycle", model(tree: goodTree.replacingOccurrences(of: "left_child=1 -1", with: "left_child=1 0"))),
        ("leaf out of range", model(tree: goodTree.replacingOccurrences(of: "right_child=-2 -3", with: "right_child=-2 -9"))),
        ("feature out of range", model(tree: goodTree.replacingOccurrences(of: "split_feature=0 1", with: "split_feature=0 5"))),
        ("short threshold list", model(tree: goodTree.replacingOccurrences(of: "threshold=0.5 0.25", with: "threshold=0.5"))),
        ("bad number", model(tree: goodTree.replacingOccurrences(of: "threshold=0.5 0.25", with: "threshold=0.5 zz"))),
        ("huge num_leaves", model(tree: goodTree.replacingOccurrences(of: "num_leaves=3", with: "num_leaves=99999999999"))),
        ("missing leaf values", model(tree: goodTree.replacingOccurrences(of: "leaf_value=1 2 3", with: ""))),
        ("unknown category set", model(tree: goodTree.replacingOccurrences(of: "decision_type=2 2", with: "decision_type=1 2"))),
        (
            "category bounds past the words",
            model(
                tree: goodTree.replacingOccurrences(of: "num_cat=0", with: "num_cat=1\ncat_boundaries=0 5\ncat_threshold=1")
                    .replacingOccurrences(of: "decision_type=2 2", with: "decision_type=1 2")
                    .replacingOccurrences(of: "threshold=0.5 0.25", with: "threshold=0 0.25"))
        ),
        ("unknown objective", model(tree: goodTree).replacingOccurrences(of: "objective=regression", with: "objective=nonsense")),
        ("too many features", model(tree: goodTree).replacingOccurrences(of: "max_feature_idx=1", with: "max_feature_idx=99999999")),
        ("names do not match features", model(tree: goodTree).replacingOccurrences(of: "feature_names=a b", with: "feature_names=a")),
        ("bad pandas_categorical", model(tree: goodTree) + "\npandas_categorical:[[\"a\",\n"),
    ])
    func malformedModelsAreRefused(_ name: String, _ text: String) {
        #expect(throws: ModelFileError.self, "\(name)") { try LightGBMModel(text: text) }
    }

    @Test func categoricalSplitSendsMembersLeft() throws {
        let tree = """
            num_leaves=2
            num_cat=1
            split_feature=0
            threshold=0
            decision_type=1
            left_child=-1
            right_child=-2
            leaf_value=10 20
            cat_boundaries=0 2
            cat_threshold=5 1
            """
        let model = try LightGBMModel(text: Self.model(tree: tree))
        let predictor = try LightGBMPredictor(model: model, modelClass: .booster, bestIteration: nil, labels: nil)
        // Set {0, 2, 32}. -0.5 truncates to 0 (in); -1 and NaN go right; 3e9 overflows int (right).
        let a: [Double] = [0, 1, 2, 32, 33, -0.5, -1, .nan, 2.9, 3e9, 1e-40]
        let frame = Frame(names: ["a", "b"], columns: [.double(a), .double(a.map { _ in 0 })], rowCount: a.count)
        #expect(try predictor.predict(frame) == .doubles([10, 20, 10, 10, 20, 10, 20, 20, 10, 20, 10]))
    }

    @Test func zeroMissingTypeSendsZeroAndNaNToTheDefaultSide() throws {
        // decision_type 4: missing type Zero, default right; 6: default left.
        let tree = Self.goodTree.replacingOccurrences(of: "decision_type=2 2", with: "decision_type=4 2")
            .replacingOccurrences(of: "threshold=0.5 0.25", with: "threshold=-0.5 0.25")
        let model = try LightGBMModel(text: Self.model(tree: tree))
        let predictor = try LightGBMPredictor(model: model, modelClass: .booster, bestIteration: nil, labels: nil)
        let a: [Double] = [0, -0.0, 1e-36, .nan, -1, 1]
        let frame = Frame(names: ["a", "b"], columns: [.double(a), .double(a.map { _ in 0 })], rowCount: a.count)
        #expect(try predictor.predict(frame) == .doubles([2, 2, 2, 2, 1, 2]))
    }
}
