import Foundation
import Prometheus
import Synchronization
import VigilModel

/// When a score means drift. The 3-level state (`mlflow_*_drift_state`) follows PSI; the other
/// thresholds are exported so alerts and dashboards can use any method.
package struct DriftThresholds: Sendable, Equatable {
    /// PSI at or above: state 1 (warning).
    package var psiWarning: Double = 0.1
    /// PSI at or above: state 2 (drift). Exported as the `psi` threshold.
    package var psiDrift: Double = 0.25
    /// Jensen–Shannon distance (base 2); Evidently's default.
    package var jensenShannon: Double = 0.1
    /// Wasserstein distance over the reference standard deviation; Evidently's default.
    package var wasserstein: Double = 0.1
    // χ²: the p = 0.05 critical value for the feature's bins (`DriftStatistics.chiSquareCritical`).

    package init(psiWarning: Double = 0.1, psiDrift: Double = 0.25, jensenShannon: Double = 0.1, wasserstein: Double = 0.1) {
        self.psiWarning = psiWarning
        self.psiDrift = psiDrift
        self.jensenShannon = jensenShannon
        self.wasserstein = wasserstein
    }
}

/// How a served version's drift window is kept and scored (`vigil serve --drift-*`).
package struct DriftSettings: Sendable, Equatable {
    /// Rows in the window.
    package var windowSize = 1000
    /// Non-missing values a feature needs in the window before its scores are exported.
    package var minimumRows = 200
    /// Rows older than this leave the window; nil keeps the last `windowSize` rows however old.
    package var maxAge: Duration?
    /// Features tracked, the first in signature order (the prediction is tracked besides).
    package var maxFeatures = 100
    package var thresholds = DriftThresholds()

    package init() {}
}

/// The scores of one feature (or the prediction) over the current window.
package struct DriftScore: Sendable, Equatable {
    package var feature: String
    /// Non-missing values in the window.
    package var rows: Int
    /// method (`psi`, `jensen_shannon`, `wasserstein`, `chi2`) → score.
    package var scores: [String: Double]
    /// 0 none, 1 warning, 2 drift (by PSI).
    package var state: Int
}

/// Online drift detection against a `DriftProfile`, exported as Prometheus series.
///
/// `observe` bins each row's tracked features (O(features) per row, on the stack, outside any lock)
/// and appends the bin indices, stamped with the time, to the calling thread's own stripe: each
/// event loop writes its own ring of the last `windowSize` rows, so requests never wait on each
/// other or bounce a shared cache line between cores. `updateScores()` (called at each scrape)
/// merges the stripes newest first into the window — the last `windowSize` rows across all
/// threads, none older than `maxAge` — and computes every score; nothing is scored per request.
///
/// A feature's score series appear once the window holds `minimumRows` non-missing values of it:
/// before that the scores would be noise, so they are absent rather than 0. Tracked are the first
/// `maxFeatures` features of the profile (signature order) plus the prediction; label values come
/// from the profile only, never from requests.
package final class DriftMonitor: Sendable {
    package static let methodsNumeric = ["psi", "jensen_shannon", "wasserstein"]
    package static let methodsCategorical = ["psi", "jensen_shannon", "chi2"]

    package let profile: DriftProfile
    package let windowSize: Int
    package let minimumRows: Int
    /// Rows older than this leave the window even when fewer than `windowSize` came after them.
    package let maxAge: Duration?
    package let thresholds: DriftThresholds
    let tracked: [TrackedFeature]
    /// Whether the last tracked entry is the prediction.
    let hasPrediction: Bool
    let offsets: [Int]
    let labels: ModelLabels
    private let registry: PrometheusCollectorRegistry
    private let stripes: [WindowStripe]
    private let series: Mutex<ScoreSeries>
    private let windowRows: Gauge
    private let thresholdGauges: [Gauge]
    private let missing: [Counter]
    private let outOfRange: [Counter]
    private let unseen: [Counter]
    /// Feature name → its type-error counter.
    private let typeErrors: [String: Counter]

    package init(
        profile: DriftProfile, labels: ModelLabels, registry: PrometheusCollectorRegistry, windowSize: Int = 1000,
        minimumRows: Int = 200, maxAge: Duration? = nil, thresholds: DriftThresholds = DriftThresholds(),
        maxFeatures: Int = 100, stripes: Int = WindowStripe.defaultCount
    ) {
        precondition(windowSize > 0 && stripes > 0, "windowSize and stripes must be positive")
        self.profile = profile
        self.labels = labels
        self.registry = registry
        self.windowSize = windowSize
        self.minimumRows = max(minimumRows, 1)
        self.maxAge = maxAge
        self.thresholds = thresholds
        var tracked = profile.features.prefix(max(maxFeatures, 0)).map { TrackedFeature($0, isPrediction: false) }
        hasPrediction = profile.prediction != nil
        if let prediction = profile.prediction { tracked.append(TrackedFeature(prediction, isPrediction: true)) }
        self.tracked = tracked
        var offsets: [Int] = []
        var total = 0
        for feature in tracked {
            offsets.append(total)
            total += feature.profile.binCount
        }
        self.offsets = offsets
        self.stripes = (0..<stripes).map { _ in WindowStripe(width: tracked.count, size: windowSize) }
        series = Mutex(ScoreSeries())

        let base = labels.pairs
        windowRows = registry.gauge(
            "mlflow_feature_drift_window_rows", base, help: "Rows in the drift window")
        var thresholdGauges: [Gauge] = []
        var missing: [Counter] = [], outOfRange: [Counter] = [], unseen: [Counter] = []
        var typeErrors: [String: Counter] = [:]
        for feature in tracked {
            for method in feature.methods {
                let value = Self.threshold(method, feature: feature.profile, thresholds)
                let gauge = feature.isPrediction
                    ? registry.gauge(
                        "mlflow_prediction_drift_threshold", base + [("method", method)],
                        help: "Prediction drift score at which the prediction counts as drifted, by method")
                    : registry.gauge(
                        "mlflow_feature_drift_threshold", base + [("feature", feature.profile.name), ("method", method)],
                        help: "Drift score at which a feature counts as drifted, by method")
                gauge.set(to: value)
                thresholdGauges.append(gauge)
            }
            guard !feature.isPrediction else { continue }
            let labels = base + [("feature", feature.profile.name)]
            missing.append(registry.counter(
                "mlflow_feature_missing_total", labels, help: "Missing (null/NaN) feature values seen by the drift monitor"))
            outOfRange.append(registry.counter(
                "mlflow_feature_out_of_range_total", labels, help: "Numeric feature values outside the reference [min, max]"))
            unseen.append(registry.counter(
                "mlflow_feature_unseen_category_total", labels, help: "Categorical feature values absent from the reference"))
            typeErrors[feature.profile.name] = registry.counter(
                "mlflow_feature_type_errors_total", labels,
                help: "Requests refused because a feature's values could not take the signature's type")
        }
        self.thresholdGauges = thresholdGauges
        self.missing = missing
        self.outOfRange = outOfRange
        self.unseen = unseen
        self.typeErrors = typeErrors
    }

    static func threshold(_ method: String, feature: FeatureProfile, _ t: DriftThresholds) -> Double {
        switch method {
        case "psi": t.psiDrift
        case "jensen_shannon": t.jensenShannon
        case "wasserstein": t.wasserstein
        default: DriftStatistics.chiSquareCritical(bins: feature.binCount)
        }
    }

    // MARK: - Hot path

    /// Adds a scored request to the window. Rows beyond the predictions' row count get a missing prediction.
    package func observe(_ frame: Frame, _ predictions: Predictions) {
        observe(frame, predictions, stripe: ThreadStripe.current, at: MonotonicTime.nanoseconds())
    }

    /// `observe` into a given stripe at a given time (tests drive both).
    func observe(_ frame: Frame, _ predictions: Predictions, stripe: Int, at stamp: UInt64) {
        let rows = frame.rowCount
        guard rows > 0, !tracked.isEmpty else { return }
        let width = tracked.count
        // Only the last `windowSize` rows can stay in the window; every row is counted for data quality.
        let first = max(0, rows - windowSize)
        let kept = rows - first
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: kept * width) { bins in
            bins.initialize(repeating: TrackedFeature.missingBin)
            let featureCount = hasPrediction ? width - 1 : width
            for f in 0..<featureCount {
                let feature = tracked[f]
                let name = feature.profile.name
                let column: Column? =
                    f < frame.names.count && frame.names[f] == name
                    ? frame.columns[f] : frame.index(of: name).map { frame.columns[$0] }
                var quality = Quality()
                if let column {
                    feature.bin(column: column, rows: rows, first: first, into: bins, stride: width, offset: f, quality: &quality)
                } else {
                    quality.missing = rows
                }
                if quality.missing > 0 { missing[f].increment(by: Int64(quality.missing)) }
                if quality.outOfRange > 0 { outOfRange[f].increment(by: Int64(quality.outOfRange)) }
                if quality.unseen > 0 { unseen[f].increment(by: Int64(quality.unseen)) }
            }
            if hasPrediction, predictions.rowCount == rows {
                var ignored = Quality()
                tracked[width - 1].bin(
                    predictions: predictions, rows: rows, first: first, into: bins, stride: width, offset: width - 1,
                    quality: &ignored)
            }
            stripes[stripe % stripes.count].ring.withLock { $0.push(UnsafeBufferPointer(bins), rows: kept, stamp: stamp) }
        }
    }

    /// Counts a request refused because `feature`'s values did not fit its type; untracked names
    /// (any string a client sends) are ignored, so labels stay those of the profile.
    package func recordTypeError(feature: String) {
        typeErrors[feature]?.increment()
    }

    // MARK: - Scores

    /// Recomputes every score from the window and updates the series.
    package func updateScores() {
        let (counts, filled) = windowCounts()
        series.withLock { series in
            windowRows.set(to: Double(filled))
            var scored = 0, drifted = 0
            for (f, feature) in tracked.enumerated() {
                let slice = counts[offsets[f]..<(offsets[f] + feature.profile.binCount)].map(Double.init)
                let n = slice.reduce(0, +)
                guard n >= Double(minimumRows) else { continue }
                let score = score(feature, counts: slice, n: n)
                series.latest[feature.profile.name] = score
                if feature.isPrediction {
                    series.prediction = score
                } else {
                    scored += 1
                    if score.state == 2 { drifted += 1 }
                }
                publish(score, feature: feature, into: &series)
            }
            if scored > 0 {
                if series.ratio == nil {
                    series.ratio = registry.gauge(
                        "mlflow_drifted_features_ratio", labels.pairs,
                        help: "Share of scored features whose drift state is 2 (drift)")
                }
                series.ratio?.set(to: Double(drifted) / Double(scored))
            }
        }
    }

    /// The window's bin counts: the newest `windowSize` rows over all stripes, none older than `maxAge`.
    func windowCounts(now: UInt64 = MonotonicTime.nanoseconds()) -> (counts: [Int], rows: Int) {
        let oldest = maxAge.map { now &- min(now, UInt64(max($0.nanoseconds, 0))) } ?? 0
        let rings = stripes.map { stripe in stripe.ring.withLock { $0.copy() } }
        // Each ring is in time order, so a k-way merge from the newest ends picks the window exactly.
        var cursors = rings.map { $0.filled }
        var counts = [Int](repeating: 0, count: (offsets.last ?? 0) + (tracked.last?.profile.binCount ?? 0))
        var taken = 0
        while taken < windowSize {
            var newest = -1
            var newestStamp: UInt64 = 0
            for (s, ring) in rings.enumerated() where cursors[s] > 0 {
                let stamp = ring.stamp(age: cursors[s] - 1)
                if newest < 0 || stamp > newestStamp { (newest, newestStamp) = (s, stamp) }
            }
            guard newest >= 0, newestStamp >= oldest else { break }
            cursors[newest] -= 1
            rings[newest].forEachBin(age: cursors[newest]) { f, bin in counts[offsets[f] + Int(bin)] += 1 }
            taken += 1
        }
        return (counts, taken)
    }

    func score(_ feature: TrackedFeature, counts: [Double], n: Double) -> DriftScore {
        let reference = feature.profile.shares
        let current = counts.map { $0 / n }
        var scores = [
            "psi": DriftStatistics.psi(reference: reference, current: current),
            "jensen_shannon": DriftStatistics.jensenShannon(reference: reference, current: current),
        ]
        switch feature.profile.kind {
        case .numeric:
            scores["wasserstein"] = DriftStatistics.wasserstein(
                centres: feature.profile.centres ?? [], reference: reference, current: current,
                scale: feature.profile.std ?? 0)
        case .categorical:
            scores["chi2"] = DriftStatistics.chiSquare(reference: reference, counts: counts)
        }
        let psi = scores["psi"]!
        let state = psi >= thresholds.psiDrift ? 2 : psi >= thresholds.psiWarning ? 1 : 0
        return DriftScore(feature: feature.profile.name, rows: Int(n), scores: scores, state: state)
    }

    private func publish(_ score: DriftScore, feature: TrackedFeature, into series: inout ScoreSeries) {
        let name = feature.profile.name
        let base = labels.pairs
        for method in feature.methods {
            let key = name + "\u{0}" + method
            let gauge: Gauge
            if let existing = series.scoreGauges[key] {
                gauge = existing
            } else if feature.isPrediction {
                gauge = registry.gauge(
                    "mlflow_prediction_drift_score", base + [("method", method)],
                    help: "Drift of the model's predictions from the reference profile, by method")
            } else {
                gauge = registry.gauge(
                    "mlflow_feature_drift_score", base + [("feature", name), ("method", method)],
                    help: "Drift of a feature's window from the reference profile, by method")
            }
            series.scoreGauges[key] = gauge
            gauge.set(to: score.scores[method] ?? 0)
        }
        let state: Gauge
        if let existing = series.stateGauges[name] {
            state = existing
        } else if feature.isPrediction {
            state = registry.gauge(
                "mlflow_prediction_drift_state", base, help: "Prediction drift state: 0 none, 1 warning, 2 drift (by PSI)")
        } else {
            state = registry.gauge(
                "mlflow_feature_drift_state", base + [("feature", name)],
                help: "Feature drift state: 0 none, 1 warning, 2 drift (by PSI)")
        }
        series.stateGauges[name] = state
        state.set(to: Double(score.state))
    }

    /// The scores last computed, by feature name (the prediction under `"prediction"` in `prediction`).
    package func report() -> (features: [DriftScore], prediction: DriftScore?, windowRows: Int) {
        let filled = windowCounts().rows
        return series.withLock { series in
            let features = tracked.filter { !$0.isPrediction }.compactMap { series.latest[$0.profile.name] }
            return (features, series.prediction, filled)
        }
    }

    /// Removes every drift series of this model version from the registry.
    package func unregister() {
        registry.unregisterGauge(windowRows)
        for gauge in thresholdGauges { registry.unregisterGauge(gauge) }
        for counter in missing + outOfRange + unseen + Array(typeErrors.values) { registry.unregisterCounter(counter) }
        series.withLock { series in
            for gauge in series.scoreGauges.values { registry.unregisterGauge(gauge) }
            for gauge in series.stateGauges.values { registry.unregisterGauge(gauge) }
            if let ratio = series.ratio { registry.unregisterGauge(ratio) }
            series = ScoreSeries()
        }
    }
}

struct Quality {
    var missing = 0
    var outOfRange = 0
    var unseen = 0
}

/// The last computed scores and the lazily made score series.
struct ScoreSeries {
    var scoreGauges: [String: Gauge] = [:]
    var stateGauges: [String: Gauge] = [:]
    var ratio: Gauge?
    var latest: [String: DriftScore] = [:]
    var prediction: DriftScore?
}

/// One thread's share of the window, on its own cache lines.
package final class WindowStripe: Sendable {
    /// Two stripes per core: NIO runs one event loop per core by default, and each thread keeps its
    /// stripe, so loops share none unless there are more of them than stripes.
    package static let defaultCount = max(4, 2 * ProcessInfo.processInfo.activeProcessorCount)
    let ring: Mutex<StripeRing>
    // Keeps the next stripe's lock off this one's cache line (objects are allocated side by side).
    private let padding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)

    init(width: Int, size: Int) {
        ring = Mutex(StripeRing(width: width, size: size))
    }
}

/// The last `size` rows one thread observed: their bin indices (row-major, `width` per row) and
/// the monotonic time each arrived.
struct StripeRing {
    var bins: [UInt8]
    var stamps: [UInt64]
    let width: Int
    let size: Int
    /// The slot the next row goes to.
    var next = 0
    var filled = 0

    init(width: Int, size: Int) {
        bins = [UInt8](repeating: TrackedFeature.missingBin, count: width * size)
        stamps = [UInt64](repeating: 0, count: size)
        self.width = width
        self.size = size
    }

    mutating func push(_ incoming: UnsafeBufferPointer<UInt8>, rows: Int, stamp: UInt64) {
        for r in 0..<rows {
            let base = next * width
            for f in 0..<width { bins[base + f] = incoming[r * width + f] }
            stamps[next] = stamp
            if filled < size { filled += 1 }
            next = next + 1 == size ? 0 : next + 1
        }
    }

    /// A copy that shares no storage, so the owning thread's next push does not copy the ring.
    func copy() -> StripeRing {
        var copy = self
        copy.bins = bins.withUnsafeBufferPointer { Array($0) }
        copy.stamps = stamps.withUnsafeBufferPointer { Array($0) }
        return copy
    }

    /// The slot of the row `age` rows older than the oldest one kept (0: the oldest).
    private func slot(age: Int) -> Int {
        (next - filled + age + size) % size
    }

    func stamp(age: Int) -> UInt64 { stamps[slot(age: age)] }

    /// Calls `body(feature, bin)` for each non-missing bin of a row.
    func forEachBin(age: Int, _ body: (Int, UInt8) -> Void) {
        let base = slot(age: age) * width
        for f in 0..<width where bins[base + f] != TrackedFeature.missingBin { body(f, bins[base + f]) }
    }
}

/// The index of the calling thread's stripe: threads take indices in turn on first use and keep them.
enum ThreadStripe {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    private static let nextIndex = Atomic<Int>(0)

    static var current: Int {
        if let stored = pthread_getspecific(key) { return Int(bitPattern: stored) - 1 }
        let index = nextIndex.add(1, ordering: .relaxed).oldValue
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: index + 1))
        return index
    }
}

/// Nanoseconds on the system-wide monotonic clock, comparable across threads.
enum MonotonicTime {
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// A profile's feature prepared for binning.
struct TrackedFeature: Sendable {
    static let missingBin: UInt8 = 255
    let profile: FeatureProfile
    let isPrediction: Bool
    let edges: [Double]
    let low: Double
    let high: Double
    let categoryBins: [String: UInt8]
    /// The categories that are whole numbers (class labels), by value: integer columns and
    /// predictions are binned without making a string per row.
    let integerCategoryBins: [Int64: UInt8]
    let otherCategories: Set<String>?
    let otherBin: UInt8
    var methods: [String] { profile.kind == .numeric ? DriftMonitor.methodsNumeric : DriftMonitor.methodsCategorical }

    init(_ profile: FeatureProfile, isPrediction: Bool) {
        self.profile = profile
        self.isPrediction = isPrediction
        edges = profile.edges ?? []
        low = profile.min ?? -.infinity
        high = profile.max ?? .infinity
        var bins: [String: UInt8] = [:]
        for (i, category) in (profile.categories ?? []).enumerated() { bins[category] = UInt8(i) }
        categoryBins = bins
        var integers: [Int64: UInt8] = [:]
        for (category, bin) in bins {
            if let value = Int64(category), String(value) == category { integers[value] = bin }
        }
        integerCategoryBins = integers
        otherCategories = profile.otherCategories.map(Set.init)
        otherBin = UInt8(truncatingIfNeeded: max(profile.binCount - 1, 0))
    }

    @inline(__always)
    func bin(_ x: Double, _ quality: inout Quality) -> UInt8 {
        if x.isNaN {
            quality.missing += 1
            return Self.missingBin
        }
        if x < low || x > high { quality.outOfRange += 1 }
        return NumericBins.bin(x, edges: edges)
    }

    @inline(__always)
    func bin(_ value: Int64, _ quality: inout Quality) -> UInt8 {
        if let bin = integerCategoryBins[value] { return bin }
        return bin(String(value), &quality)  // not a category of its own: `other`, or unseen
    }

    @inline(__always)
    func bin(_ value: String?, _ quality: inout Quality) -> UInt8 {
        guard let value else {
            quality.missing += 1
            return Self.missingBin
        }
        if let bin = categoryBins[value] { return bin }
        if let otherCategories, !otherCategories.contains(value) { quality.unseen += 1 }
        return otherBin
    }

    /// Bins rows `0..<rows` (counting quality for all), writing rows `first...` into `bins`.
    func bin(column: Column, rows: Int, first: Int, into bins: UnsafeMutableBufferPointer<UInt8>, stride: Int, offset: Int, quality: inout Quality) {
        func store(_ r: Int, _ b: UInt8) { if r >= first { bins[(r - first) * stride + offset] = b } }
        switch (profile.kind, column) {
        case (.numeric, .double(let v)):
            for r in 0..<rows { store(r, bin(v[r], &quality)) }
        case (.numeric, .int64(let v)):
            for r in 0..<rows { store(r, bin(Double(v[r]), &quality)) }
        case (.numeric, _):
            for r in 0..<rows { store(r, bin(column.double(at: r) ?? .nan, &quality)) }
        case (.categorical, .string(let v)):
            for r in 0..<rows { store(r, bin(v[r], &quality)) }
        case (.categorical, .bool(let v)):
            for r in 0..<rows { store(r, bin(v[r] ? "True" : "False", &quality)) }
        case (.categorical, .int64(let v)):
            for r in 0..<rows { store(r, bin(v[r], &quality)) }
        case (.categorical, .double(let v)):
            for r in 0..<rows { store(r, bin(v[r].isNaN ? nil : String(v[r]), &quality)) }
        case (.categorical, _):
            quality.missing += rows
        }
    }

    func bin(predictions: Predictions, rows: Int, first: Int, into bins: UnsafeMutableBufferPointer<UInt8>, stride: Int, offset: Int, quality: inout Quality) {
        switch (profile.kind, predictions) {
        case (.numeric, .doubles(let v)):
            for r in first..<rows { bins[(r - first) * stride + offset] = bin(v[r], &quality) }
        case (.numeric, .floats(let v)):
            for r in first..<rows { bins[(r - first) * stride + offset] = bin(Double(v[r]), &quality) }
        case (.categorical, .int64s(let v)):
            for r in first..<rows { bins[(r - first) * stride + offset] = bin(v[r], &quality) }
        case (.categorical, .strings(let v)):
            for r in first..<rows { bins[(r - first) * stride + offset] = bin(v[r], &quality) }
        default:
            switch FeatureValues(predictions) {
            case .numeric(let v) where profile.kind == .numeric:
                for r in first..<rows { bins[(r - first) * stride + offset] = bin(v[r], &quality) }
            case .categorical(let v) where profile.kind == .categorical:
                for r in first..<rows { bins[(r - first) * stride + offset] = bin(v[r], &quality) }
            default:
                break
            }
        }
    }
}

extension DriftMonitor {
    /// The monitor for a loaded model: the profile at `profilePath` (`--profile FILE`) if given,
    /// else `vigil_profile.json` in the model directory; nil when there is none (drift off).
    /// Throws when a profile exists but cannot be read or is invalid.
    package static func load(
        modelDirectory: String, profilePath: String? = nil, labels: ModelLabels, registry: PrometheusCollectorRegistry,
        settings: DriftSettings = DriftSettings()
    ) throws -> DriftMonitor? {
        let profile = try profilePath.map { try DriftProfile.load(path: $0) } ?? DriftProfile.load(modelDirectory: modelDirectory)
        guard let profile else { return nil }
        return DriftMonitor(
            profile: profile, labels: labels, registry: registry, windowSize: settings.windowSize,
            minimumRows: settings.minimumRows, maxAge: settings.maxAge, thresholds: settings.thresholds,
            maxFeatures: settings.maxFeatures)
    }
}
