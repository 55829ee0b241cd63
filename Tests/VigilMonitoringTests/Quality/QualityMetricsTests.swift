import Foundation
import Prometheus
import Testing
import VigilModel

@testable import VigilMonitoring

/// The quality metrics against scikit-learn's own values for the same rows
/// (Tests/Fixtures/quality/metrics.json, from python/fixtures/make_quality.py).
@Suite struct QualityMetricsTests {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var task: String
        var labels: [Double]
        var predictions: [Double]
        var probabilities: [Double]?
        var expected: [String: Double]
        var testDescription: String { name }

        var rows: [LabelledRow] {
            labels.indices.map { i in
                LabelledRow(label: .number(labels[i]), prediction: .number(predictions[i]), probability: probabilities?[i])
            }
        }
    }

    static let cases: [Case] = {
        struct File: Decodable { var cases: [Case] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/quality/metrics.json")
        let data = (try? Data(contentsOf: url)) ?? Data()
        return (try? JSONDecoder().decode(File.self, from: data).cases) ?? []
    }()

    static func close(_ a: Double?, _ b: Double?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return abs(a - b) <= 1e-12 * max(1, abs(b))
    }

    @Test func fixturesArePresent() {
        #expect(Self.cases.count >= 8)
    }

    @Test(arguments: cases)
    func matchesScikitLearn(_ c: Case) {
        let task = PredictionTask(rawValue: c.task)!
        let scores = QualityMonitor.scores(task: task, rows: c.rows)
        let metrics = task == .classification ? QualityMonitor.classificationMetrics : QualityMonitor.regressionMetrics
        for metric in metrics {
            #expect(Self.close(scores[metric], c.expected[metric]), "\(metric): \(String(describing: scores[metric])) vs \(String(describing: c.expected[metric]))")
        }
    }

    @Test func undefinedMetricsAreNil() {
        #expect(QualityMetrics.accuracy(correct: []) == nil)
        #expect(QualityMetrics.rocAUC(labels: [true, true], scores: [0.1, 0.9]) == nil)
        #expect(QualityMetrics.rocAUC(labels: [true, false], scores: [.nan, 0.9]) == nil)
        #expect(QualityMetrics.meanAbsoluteError(labels: [1], predictions: []) == nil)
        #expect(QualityMetrics.logLoss(labels: [], probabilities: []) == nil)
    }

    @Test func stringLabelsScoreAccuracyOnly() {
        let rows = [("cat", "cat"), ("dog", "cat"), ("dog", "dog"), ("cat", "cat")].map {
            LabelledRow(label: .text($0.0), prediction: .text($0.1))
        }
        let scores = QualityMonitor.scores(task: .classification, rows: rows)
        #expect(scores == ["accuracy": 0.75])
    }

    @Test func windowKeepsTheLastRowsAndExportsThem() {
        let registry = PrometheusCollectorRegistry()
        let labels = ModelLabels(name: "m", version: "1", uri: "", runID: "", flavor: "xgboost", runtime: "native")
        let monitor = QualityMonitor(labels: labels, registry: registry, windowSize: 4, task: nil)
        // Four wrong rows, then four right ones push them out.
        monitor.record((0..<4).map { _ in LabelledRow(label: .number(1), prediction: .number(0), probability: 0.2) })
        #expect(monitor.task == .classification)  // inferred: integral predictions
        #expect(monitor.scores()["accuracy"] == 0)
        var right: [LabelledRow] = []
        for i in 0..<4 {
            let y: Double = i % 2 == 0 ? 0 : 1
            right.append(LabelledRow(label: .number(y), prediction: .number(y), probability: y == 0 ? 0.1 : 0.9))
        }
        monitor.record(right)
        #expect(monitor.scores()["accuracy"] == 1)
        #expect(monitor.scores()["auc"] == 1)
        monitor.updateScores()
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.contains(#"mlflow_model_quality{model_name="m",model_version="1",metric="accuracy"} 1.0"#))
        #expect(text.contains(#"mlflow_feedback_rows_total{model_name="m",model_version="1"} 8"#))
        #expect(text.contains(#"mlflow_model_quality_window_rows{model_name="m",model_version="1"} 4.0"#))
        #expect(!text.contains(#"metric="mae""#))
    }

    @Test func regressionNeedsNumbers() {
        let registry = PrometheusCollectorRegistry()
        let labels = ModelLabels(name: "m", version: "1", uri: "", runID: "", flavor: "xgboost", runtime: "native")
        let monitor = QualityMonitor(labels: labels, registry: registry, task: .regression)
        #expect(!monitor.accepts(label: .text("a"), prediction: .number(1.5)))
        #expect(monitor.accepts(label: .number(2), prediction: .number(1.5)))
        monitor.record([LabelledRow(label: .number(2), prediction: .number(1.5)), LabelledRow(label: .number(0), prediction: .number(1))])
        #expect(monitor.scores() == ["mae": 0.75, "rmse": (0.625).squareRoot()])
    }
}
