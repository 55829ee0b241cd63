import Foundation
import Testing
import VigilModel

@testable import VigilMonitoring

/// A seeded generator (SplitMix64) so every run sees the same rows.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func normal(_ mean: Double, _ std: Double) -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self), v = Double.random(in: 0..<1, using: &self)
        return mean + std * (-2 * Foundation.log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

/// Rows like a tabular model's: two numeric features, a categorical one and a score.
struct Population {
    var ageShift = 0.0
    var random: SeededRandom

    mutating func frame(_ rows: Int) -> (Frame, Predictions) {
        var age: [Double] = [], income: [Double] = [], segment: [String?] = [], score: [Double] = []
        for _ in 0..<rows {
            age.append(random.normal(40 + ageShift, 10))
            income.append(Double.random(in: 20_000..<120_000, using: &random))
            let u = Double.random(in: 0..<1, using: &random)
            segment.append(u < 0.5 ? "retail" : u < 0.8 ? "business" : u < 0.95 ? "private" : "public")
            score.append(Double.random(in: 0..<1, using: &random))
        }
        let frame = Frame(
            names: ["age", "income", "segment"], columns: [.double(age), .double(income), .string(segment)], rowCount: rows)
        return (frame, .doubles(score))
    }
}

@Suite struct DriftMonitorTests {
    let labels = ModelLabels(name: "demo", version: "3", uri: "/m", runID: "abc", flavor: "xgboost", runtime: "native")

    func referenceProfile() -> DriftProfile {
        var population = Population(random: SeededRandom(seed: 1))
        let (frame, predictions) = population.frame(5000)
        return DriftProfileBuilder.build(frame: frame, predictions: predictions)
    }

    func lines(_ registry: MetricsRegistry) -> [Substring] {
        String(decoding: registry.exposition(accept: nil).body, as: UTF8.self).split(separator: "\n")
    }

    func feed(_ monitor: DriftMonitor, _ population: inout Population, rows: Int, perRequest: Int = 10) {
        for _ in 0..<(rows / perRequest) {
            let (frame, predictions) = population.frame(perRequest)
            monitor.observe(frame, predictions)
        }
    }

    @Test func referenceRowsStayAtStateZeroAndAShiftedFeatureDrifts() {
        let registry = MetricsRegistry(buildVersion: "1")
        let monitor = DriftMonitor(profile: referenceProfile(), labels: labels, registry: registry.prometheus)
        var population = Population(random: SeededRandom(seed: 2))
        feed(monitor, &population, rows: 1000)
        monitor.updateScores()
        var report = monitor.report()
        #expect(report.windowRows == 1000)
        #expect(report.features.map(\.feature) == ["age", "income", "segment"])
        for score in report.features + [report.prediction!] {
            #expect(score.state == 0, "\(score.feature) drifted on reference rows: \(score.scores)")
            #expect(score.rows == 1000)
        }
        // Shift one feature by one standard deviation: it alone drifts within one window.
        population.ageShift = 10
        feed(monitor, &population, rows: 1000)
        monitor.updateScores()
        report = monitor.report()
        let states = Dictionary(uniqueKeysWithValues: report.features.map { ($0.feature, $0.state) })
        #expect(states == ["age": 2, "income": 0, "segment": 0])
        #expect(report.prediction?.state == 0)
        let text = lines(registry)
        let base = #"model_name="demo",model_version="3""#
        #expect(text.contains("mlflow_feature_drift_state{\(base),feature=\"age\"} 2.0"))
        #expect(text.contains("mlflow_feature_drift_state{\(base),feature=\"income\"} 0.0"))
        #expect(text.contains("mlflow_prediction_drift_state{\(base)} 0.0"))
        #expect(text.contains { $0.hasPrefix("mlflow_drifted_features_ratio{\(base)} 0.333") })
        #expect(text.contains("mlflow_feature_drift_window_rows{\(base)} 1000.0"))
        for method in ["psi", "jensen_shannon", "wasserstein"] {
            #expect(text.contains { $0.hasPrefix("mlflow_feature_drift_score{\(base),feature=\"age\",method=\"\(method)\"}") })
            #expect(text.contains { $0.hasPrefix("mlflow_prediction_drift_score{\(base),method=\"\(method)\"}") })
        }
        #expect(text.contains { $0.hasPrefix("mlflow_feature_drift_score{\(base),feature=\"segment\",method=\"chi2\"}") })
        #expect(text.contains("mlflow_feature_drift_threshold{\(base),feature=\"age\",method=\"psi\"} 0.25"))
        #expect(text.contains("mlflow_feature_drift_threshold{\(base),feature=\"age\",method=\"wasserstein\"} 0.1"))
    }

    @Test func scoresAreAbsentUntilTheWindowHoldsMinimumRows() {
        let registry = MetricsRegistry(buildVersion: "1")
        let monitor = DriftMonitor(
            profile: referenceProfile(), labels: labels, registry: registry.prometheus, minimumRows: 200)
        var population = Population(random: SeededRandom(seed: 3))
        feed(monitor, &population, rows: 190)
        monitor.updateScores()
        #expect(!lines(registry).contains { $0.hasPrefix("mlflow_feature_drift_score{") || $0.hasPrefix("mlflow_feature_drift_state{") })
        #expect(monitor.report().features.isEmpty)
        feed(monitor, &population, rows: 50)
        monitor.updateScores()
        #expect(lines(registry).contains { $0.hasPrefix("mlflow_feature_drift_score{") })
        #expect(monitor.report().windowRows == 240)
    }

    @Test func windowSlidesAndCountsStayConsistent() {
        let registry = MetricsRegistry(buildVersion: "1")
        let monitor = DriftMonitor(
            profile: referenceProfile(), labels: labels, registry: registry.prometheus, windowSize: 300, minimumRows: 1)
        var population = Population(random: SeededRandom(seed: 4))
        feed(monitor, &population, rows: 1000, perRequest: 7)
        let (frame, predictions) = population.frame(700)  // a batch larger than the window
        monitor.observe(frame, predictions)
        monitor.updateScores()
        let report = monitor.report()
        #expect(report.windowRows == 300)
        #expect(report.features.allSatisfy { $0.rows == 300 })
    }

    @Test func theWindowIsTheNewestRowsAcrossStripes() {
        let registry = MetricsRegistry(buildVersion: "1")
        let monitor = DriftMonitor(
            profile: referenceProfile(), labels: labels, registry: registry.prometheus, windowSize: 500, minimumRows: 1,
            stripes: 2)
        var population = Population(random: SeededRandom(seed: 5))
        // Shifted rows went to stripe 0 long ago; reference rows now arrive on stripe 1 only.
        population.ageShift = 10
        for i in 0..<50 {
            let (frame, predictions) = population.frame(10)
            monitor.observe(frame, predictions, stripe: 0, at: UInt64(1_000 + i))
        }
        population.ageShift = 0
        for i in 0..<30 {
            let (frame, predictions) = population.frame(10)
            monitor.observe(frame, predictions, stripe: 1, at: UInt64(2_000 + i))
        }
        // 300 new rows plus the newest 200 of the old ones.
        #expect(monitor.windowCounts(now: 3_000).rows == 500)
        // 200 more rows on stripe 1 make its 500 the newest: every shifted row has left the window.
        for i in 0..<20 {
            let (frame, predictions) = population.frame(10)
            monitor.observe(frame, predictions, stripe: 1, at: UInt64(2_100 + i))
        }
        monitor.updateScores()
        let states = Dictionary(uniqueKeysWithValues: monitor.report().features.map { ($0.feature, $0.state) })
        #expect(states["age"] == 0, "only stripe 1's 500 reference rows are the window")
    }

    @Test func rowsOlderThanMaxAgeLeaveTheWindow() {
        let registry = MetricsRegistry(buildVersion: "1")
        let monitor = DriftMonitor(
            profile: referenceProfile(), labels: labels, registry: registry.prometheus, minimumRows: 1,
            maxAge: .nanoseconds(100), stripes: 3)
        var population = Population(random: SeededRandom(seed: 6))
        for i in 0..<30 {
            let (frame, predictions) = population.frame(10)
            monitor.observe(frame, predictions, stripe: i % 3, at: UInt64(1_000 + i * 10))
        }
        // Stamps 1000…1290; at 1300 the last 100 ns hold stamps 1200…1290: ten requests.
        #expect(monitor.windowCounts(now: 1_300).rows == 100)
        #expect(monitor.windowCounts(now: 5_000).rows == 0)
    }

    @Test func threadsObservingAtOnceFillOneWindow() async {
        let registry = MetricsRegistry(buildVersion: "1")
        let monitor = DriftMonitor(
            profile: referenceProfile(), labels: labels, registry: registry.prometheus, windowSize: 1000, minimumRows: 1)
        await withTaskGroup(of: Void.self) { group in
            for seed in 0..<4 {
                group.addTask {
                    var population = Population(random: SeededRandom(seed: UInt64(10 + seed)))
                    for _ in 0..<500 {
                        let (frame, predictions) = population.frame(3)
                        monitor.observe(frame, predictions)
                    }
                }
            }
        }
        let (counts, rows) = monitor.windowCounts()
        #expect(rows == 1000)
        // Every tracked feature has exactly one bin per row (none are missing here).
        for (f, feature) in monitor.tracked.enumerated() {
            let bins = counts[monitor.offsets[f]..<(monitor.offsets[f] + feature.profile.binCount)]
            #expect(bins.reduce(0, +) == 1000, "\(feature.profile.name)")
        }
    }

    @Test func typeErrorsCountOnlyProfiledFeatures() {
        let registry = MetricsRegistry(buildVersion: "1")
        let monitor = DriftMonitor(profile: referenceProfile(), labels: labels, registry: registry.prometheus)
        monitor.recordTypeError(feature: "income")
        monitor.recordTypeError(feature: "income")
        monitor.recordTypeError(feature: "no such feature")  // a client's string never becomes a label
        let text = lines(registry).filter { $0.hasPrefix("mlflow_feature_type_errors_total{") }
        #expect(text.contains(#"mlflow_feature_type_errors_total{model_name="demo",model_version="3",feature="income"} 2"#))
        #expect(text.count == 3)
        #expect(!text.contains { $0.contains("no such feature") })
    }

    @Test func countsMissingOutOfRangeAndUnseenValues() {
        let registry = MetricsRegistry(buildVersion: "1")
        let monitor = DriftMonitor(profile: referenceProfile(), labels: labels, registry: registry.prometheus)
        let frame = Frame(
            names: ["income", "age", "segment"],  // reordered: matched by name
            columns: [.double([.nan, 50_000, 1e9]), .double([30, 500, -1]), .string(["retail", nil, "government"])],
            rowCount: 3)
        monitor.observe(frame, .doubles([0.1, 0.2, 0.3]))
        let text = lines(registry)
        let base = #"model_name="demo",model_version="3""#
        #expect(text.contains("mlflow_feature_missing_total{\(base),feature=\"income\"} 1"))
        #expect(text.contains("mlflow_feature_missing_total{\(base),feature=\"segment\"} 1"))
        #expect(text.contains("mlflow_feature_out_of_range_total{\(base),feature=\"income\"} 1"))
        #expect(text.contains("mlflow_feature_out_of_range_total{\(base),feature=\"age\"} 2"))
        #expect(text.contains("mlflow_feature_unseen_category_total{\(base),feature=\"segment\"} 1"))
        #expect(text.contains("mlflow_feature_unseen_category_total{\(base),feature=\"age\"} 0"))
    }

    @Test func topKLimitsTrackedFeatures() {
        let registry = MetricsRegistry(buildVersion: "1")
        _ = DriftMonitor(profile: referenceProfile(), labels: labels, registry: registry.prometheus, maxFeatures: 1)
        let text = lines(registry)
        #expect(text.contains { $0.contains(#"feature="age""#) })
        #expect(!text.contains { $0.contains(#"feature="income""#) || $0.contains(#"feature="segment""#) })
    }

    @Test func unregisterRemovesEverySeries() {
        let registry = MetricsRegistry(buildVersion: "1")
        let monitor = DriftMonitor(profile: referenceProfile(), labels: labels, registry: registry.prometheus, minimumRows: 10)
        var population = Population(random: SeededRandom(seed: 5))
        feed(monitor, &population, rows: 100)
        monitor.updateScores()
        #expect(lines(registry).contains { $0.hasPrefix("mlflow_feature_drift_score{") })
        monitor.unregister()
        let left = lines(registry).filter { !$0.hasPrefix("#") && ($0.contains("drift") || $0.hasPrefix("mlflow_feature_")) }
        #expect(left.isEmpty, "left: \(left)")
    }

    @Test func profileRoundTripsThroughJSON() throws {
        let profile = referenceProfile()
        let decoded = try JSONDecoder().decode(DriftProfile.self, from: profile.encoded())
        #expect(decoded == profile)
        try decoded.validate()
        #expect(profile.features.map(\.kind) == [.numeric, .numeric, .categorical])
        #expect(profile.features[2].categories == ["retail", "business", "private", "public"])
        #expect(profile.features[2].otherCategories == [])
        #expect(profile.features[0].binCount == 10)
        #expect(profile.prediction?.kind == .numeric)
        let json = String(decoding: try profile.encoded(), as: UTF8.self)
        #expect(json.contains(#""missing_share""#) && json.contains(#""format_version" : 1"#))
    }

    /// `vigil profile --model examples/demo --data rows.csv`: the builder behind it.
    @Test func buildsAProfileForTheDemoModelFromCSV() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let demo = root.appendingPathComponent("examples/demo").path
        struct Split: Decodable { var columns: [String]; var data: [[Double]] }
        let example = try JSONDecoder().decode(
            Split.self, from: Data(contentsOf: URL(fileURLWithPath: demo + "/input_example.json")))
        var random = SeededRandom(seed: 6)
        var csv = example.columns.joined(separator: ",") + "\n"
        for i in 0..<300 {
            let row = example.data[i % example.data.count].map { $0 * Double.random(in: 0.9..<1.1, using: &random) }
            csv += row.map { String($0) }.joined(separator: ",") + "\n"
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-drift-\(UUID().uuidString).csv")
        try Data(csv.utf8).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let profile = try DriftProfileBuilder.build(modelDirectory: demo, dataPath: path.path)
        #expect(profile.rows == 300)
        #expect(profile.features.map(\.name) == example.columns)
        #expect(profile.features.allSatisfy { $0.kind == .numeric && $0.count == 300 })
        let prediction = try #require(profile.prediction)
        #expect(prediction.kind == .categorical)
        #expect(Set(prediction.categories ?? []).isSubset(of: ["0", "1"]))
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-profile-\(UUID().uuidString).json")
        try profile.encoded().write(to: out)
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try DriftProfile.load(path: out.path) == profile)
    }

    @Test func loadsTheProfileFromTheModelDirectoryOrAPath() throws {
        let registry = MetricsRegistry(buildVersion: "1")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-drift-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try DriftMonitor.load(modelDirectory: directory.path, labels: labels, registry: registry.prometheus) == nil)
        let profile = referenceProfile()
        let file = directory.appendingPathComponent(DriftProfile.fileName)
        try profile.encoded().write(to: file)
        let monitor = try #require(try DriftMonitor.load(modelDirectory: directory.path, labels: labels, registry: registry.prometheus))
        #expect(monitor.profile == profile)
        let elsewhere = try #require(try DriftMonitor.load(
            modelDirectory: "/nonexistent", profilePath: file.path, labels: labels, registry: registry.prometheus))
        #expect(elsewhere.profile == profile)
        try Data("{\"format_version\": 99, \"rows\": 0, \"features\": []}".utf8).write(to: file)
        #expect(throws: DriftProfileError.self) {
            try DriftMonitor.load(modelDirectory: directory.path, labels: labels, registry: registry.prometheus)
        }
    }

    /// `VIGIL_BENCH=1 swift test --filter DriftMonitorTests/observeCost` (use -c release for real numbers).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_BENCH"] == "1"))
    func observeCost() {
        let registry = MetricsRegistry(buildVersion: "1")
        let monitor = DriftMonitor(profile: referenceProfile(), labels: labels, registry: registry.prometheus)
        var population = Population(random: SeededRandom(seed: 7))
        let requests = (0..<1000).map { _ in population.frame(1) }
        let iterations = 200_000
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for i in 0..<iterations {
                let (frame, predictions) = requests[i % requests.count]
                monitor.observe(frame, predictions)
            }
        }
        let nanoseconds = Double(elapsed.components.attoseconds) / 1e9 + Double(elapsed.components.seconds) * 1e9
        print("drift observe: \(Int(nanoseconds / Double(iterations))) ns per 1-row request (3 features + prediction)")
    }
}
