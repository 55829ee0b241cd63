import Foundation
import Testing
import VigilModel

/// Loading hand-written and damaged model files: every problem is a thrown `ModelFileError`.
@Suite struct XGBoostModelTests {
    static let tree = #"""
        {"id": 0, "tree_param": {"num_nodes": "3", "num_feature": "2", "size_leaf_vector": "1", "num_deleted": "0"},
         "left_children": [1, -1, -1], "right_children": [2, -1, -1], "parents": [2147483647, 0, 0],
         "split_indices": [1, 0, 0], "split_conditions": [0.5, -1.0, 2.0], "default_left": [1, 0, 0],
         "split_type": [0, 0, 0], "categories": [], "categories_nodes": [], "categories_segments": [], "categories_sizes": [],
         "base_weights": [0, 0, 0], "loss_changes": [0, 0, 0], "sum_hessian": [0, 0, 0]}
        """#

    static let model = #"""
        {"learner": {"attributes": {}, "feature_names": ["a", "b"], "feature_types": ["float", "float"],
          "gradient_booster": {"model": {"gbtree_model_param": {"num_parallel_tree": "1", "num_trees": "1"},
             "iteration_indptr": [0, 1], "tree_info": [0], "trees": [TREE]}, "name": "gbtree"},
          "learner_model_param": {"base_score": "[5E-1]", "num_class": "0", "num_feature": "2", "num_target": "1",
             "boost_from_average": "1"},
          "objective": {"name": "reg:squarederror", "reg_loss_param": {"scale_pos_weight": "1"}}},
         "version": [3, 2, 0]}
        """#

    private func load(_ text: String) throws(ModelFileError) -> XGBoostModel {
        try XGBoostModel(bytes: Array(text.utf8), format: .json)
    }

    private func load(tree: String = tree, _ edits: [(String, String)] = []) throws(ModelFileError) -> XGBoostModel {
        // Edits of the outer model (which may repeat TREE) first, then those inside the tree.
        var text = Self.model
        for (old, new) in edits where text.contains(old) { text = text.replacingOccurrences(of: old, with: new) }
        text = text.replacingOccurrences(of: "TREE", with: tree)
        for (old, new) in edits where !Self.model.contains(old) {
            precondition(text.contains(old), "edit target \(old) not in the model")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return try load(text)
    }

    @Test func loadsAndPredictsAHandWrittenModel() throws {
        let model = try load()
        let predictor = try XGBoostPredictor(model: model, modelClass: "xgboost.core.Booster")
        let frame = Frame(names: ["a", "b"], columns: [.double([0, 0, 0]), .double([0.4, .nan, 0.6])], rowCount: 3)
        #expect(try predictor.predict(frame) == .floats([-0.5, -0.5, 2.5]))
    }

    @Test func refusesHostileTrees() {
        let cases: [(String, [(String, String)])] = [
            (
                "child out of range",
                [
                    (#""left_children": [1, -1, -1]"#, #""left_children": [9001, -1, -1]"#),
                    (#""right_children": [2, -1, -1]"#, #""right_children": [9002, -1, -1]"#),
                ]
            ),
            ("negative child", [(#""left_children": [1, -1, -1]"#, #""left_children": [-5, -1, -1]"#)]),
            ("right child not adjacent", [(#""right_children": [2, -1, -1]"#, #""right_children": [1, -1, -1]"#)]),
            (
                "cycle to the root",
                [
                    (#""left_children": [1, -1, -1]"#, #""left_children": [1, 0, -1]"#),
                    (#""right_children": [2, -1, -1]"#, #""right_children": [2, 1, -1]"#),
                ]
            ),
            (
                "self loop",
                [
                    (#""left_children": [1, -1, -1]"#, #""left_children": [0, -1, -1]"#),
                    (#""right_children": [2, -1, -1]"#, #""right_children": [1, -1, -1]"#),
                ]
            ),
            ("feature out of range", [(#""split_indices": [1, 0, 0]"#, #""split_indices": [2, 0, 0]"#)]),
            ("negative feature", [(#""split_indices": [1, 0, 0]"#, #""split_indices": [-1, 0, 0]"#)]),
            ("short array", [(#""default_left": [1, 0, 0]"#, #""default_left": [1, 0]"#)]),
            ("node count too large", [(#""num_nodes": "3""#, #""num_nodes": "4""#)]),
            ("no nodes", [(#""num_nodes": "3""#, #""num_nodes": "0""#)]),
            ("huge node count", [(#""num_nodes": "3""#, #""num_nodes": "99999999999""#)]),
            (
                "repeated tree id",
                [
                    (#""tree_info": [0]"#, #""tree_info": [0, 0]"#), (#""num_trees": "1""#, #""num_trees": "2""#),
                    (#""iteration_indptr": [0, 1]"#, #""iteration_indptr": [0, 2]"#), ("[TREE]", "[TREE, TREE]"),
                ]
            ),
            ("tree group out of range", [(#""tree_info": [0]"#, #""tree_info": [1]"#)]),
            ("tree count mismatch", [(#""num_trees": "1""#, #""num_trees": "2""#)]),
            ("bad indptr", [(#""iteration_indptr": [0, 1]"#, #""iteration_indptr": [0, 5]"#)]),
            ("split type out of range", [(#""split_type": [0, 0, 0]"#, #""split_type": [7, 0, 0]"#)]),
            (
                "category node out of range",
                [
                    (#""split_type": [0, 0, 0]"#, #""split_type": [1, 0, 0]"#),
                    (#""categories_nodes": []"#, #""categories_nodes": [5]"#),
                    (#""categories_segments": []"#, #""categories_segments": [0]"#),
                    (#""categories_sizes": []"#, #""categories_sizes": [1]"#),
                    (#""categories": []"#, #""categories": [1]"#),
                ]
            ),
            (
                "category segment out of range",
                [
                    (#""split_type": [0, 0, 0]"#, #""split_type": [1, 0, 0]"#),
                    (#""categories_nodes": []"#, #""categories_nodes": [0]"#),
                    (#""categories_segments": []"#, #""categories_segments": [0]"#),
                    (#""categories_sizes": []"#, #""categories_sizes": [4]"#),
                    (#""categories": []"#, #""categories": [1]"#),
                ]
            ),
            (
                "negative category",
                [
                    (#""split_type": [0, 0, 0]"#, #""split_type": [1, 0, 0]"#),
                    (#""categories_nodes": []"#, #""categories_nodes": [0]"#),
                    (#""categories_segments": []"#, #""categories_segments": [0]"#),
                    (#""categories_sizes": []"#, #""categories_sizes": [1]"#),
                    (#""categories": []"#, #""categories": [-3]"#),
                ]
            ),
            (
                "huge category",
                [
                    (#""split_type": [0, 0, 0]"#, #""split_type": [1, 0, 0]"#),
                    (#""categories_nodes": []"#, #""categories_nodes": [0]"#),
                    (#""categories_segments": []"#, #""categories_segments": [0]"#),
                    (#""categories_sizes": []"#, #""categories_sizes": [1]"#),
                    (#""categories": []"#, #""categories": [2000000000]"#),
                ]
            ),
            ("unsupported objective", [("reg:squarederror", "reg:quantile-of-doom")]),
            ("gblinear", [(#""name": "gbtree""#, #""name": "gblinear""#)]),
            ("multi-target", [(#""num_target": "1""#, #""num_target": "2""#)]),
            ("base score count", [(#""[5E-1]""#, #""[5E-1, 1E0]""#)]),
            ("base score not a number", [(#""[5E-1]""#, #""[abc]""#)]),
            ("names for other features", [(#"["a", "b"]"#, #"["a"]"#)]),
            ("logistic base outside [0, 1]", [("reg:squarederror", "binary:logistic"), (#""[5E-1]""#, #""[2E0]""#)]),
            ("softprob without classes", [("reg:squarederror", "multi:softprob")]),
            ("missing trees", [(#""trees": [TREE]"#, #""tress": []"#)]),
        ]
        for (name, edits) in cases {
            #expect(throws: ModelFileError.self, "\(name)") { try load(edits) }
        }
    }

    @Test func refusesLegacyBinaryAndUnknownFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-xgb-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let legacy = dir.appendingPathComponent("model.xgb")
        try Data([0x62, 0x69, 0x6E, 0x66]).write(to: legacy)
        #expect(throws: ModelFileError.self) { try XGBoostModel(contentsOf: legacy) }
        #expect(throws: ModelFileError.self) { try XGBoostModel(contentsOf: dir.appendingPathComponent("absent.ubj")) }
        let sniffed = dir.appendingPathComponent("model")
        try Data(Self.model.replacingOccurrences(of: "TREE", with: Self.tree).utf8).write(to: sniffed)
        #expect(try XGBoostModel(contentsOf: sniffed).ensemble.treeCount == 1)
    }

    /// Damaged copies of a real model either fail to load with an error or load and predict;
    /// none may crash. (Deterministic byte flips.)
    @Test(arguments: ["booster_categorical", "booster_dart", "classifier_softprob"])
    func survivesDamagedFiles(_ name: String) throws {
        let fixture = XGBoostFixture.named(name)
        let original = try [UInt8](Data(contentsOf: fixture.modelFile))
        let frame = try fixture.frame()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var loaded = 0
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<1 + next() % 4 {
                bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next())
            }
            guard let model = try? XGBoostModel(bytes: bytes, format: .ubj),
                let predictor = try? XGBoostPredictor(model: model, modelClass: try fixture.modelClass)
            else { continue }
            loaded += 1
            _ = try? predictor.predict(frame)
        }
        #expect(loaded < 300)
    }
}
