import Foundation
import Logging
import NIOCore
import VigilModel
import VigilMonitoring

/// Ground truth for live quality (`--feedback`): remembers each answered request's predictions
/// by request id, writes them to the inference log when there is one, and scores the labels
/// `POST /feedback` brings against them.
package final class FeedbackRecorder: Sendable {
    package let store: FeedbackStore
    package let log: InferenceLog?
    package let counters: FeedbackCounters
    /// The most invalid-entry messages one `/feedback` answer lists.
    static let maxErrors = 20

    package init(store: FeedbackStore, log: InferenceLog?, counters: FeedbackCounters) {
        self.store = store
        self.log = log
        self.counters = counters
    }

    // MARK: - Request path

    /// Remembers (and logs) one answered request. A failed log write fails the request: an
    /// answer is only sent for a request whose record is written.
    func record(
        id: String, model: ServedModel, frame: Frame?, predictions: Predictions, probabilities: [Double]?
    ) throws(ScoringError) {
        guard model.quality != nil, let served = Self.values(predictions) else { return }
        try remember(id: id, model: model, frame: frame, served: served, probabilities: probabilities)
    }

    /// Same, for the Python runtime: the predictions are read back from MLflow's answer; only a
    /// flat list of numbers or strings can be scored, and the rows are not logged (Vigil never
    /// decoded them).
    func record(id: String, model: ServedModel, responseBody: ByteBuffer) throws(ScoringError) {
        guard model.quality != nil else { return }
        let document = responseBody.withUnsafeReadableBytes { try? JSONReader.parseDocument($0) }
        guard let list = document?.objectValue?["predictions"]?.arrayValue ?? document?.arrayValue else { return }
        let served = list.compactMap(Self.outcome)
        guard served.count == list.count else { return }
        try remember(id: id, model: model, frame: nil, served: served, probabilities: nil)
    }

    private func remember(
        id: String, model: ServedModel, frame: Frame?, served: [OutcomeValue], probabilities: [Double]?
    ) throws(ScoringError) {
        guard let quality = model.quality else { return }
        if let log {
            let line = Self.logLine(id: id, labels: model.labels, frame: frame, predictions: served, probabilities: probabilities)
            do {
                try log.append(line)
            } catch {
                throw ScoringError(.temporarilyUnavailable, "The request was not answered: \(error)", reason: .overloaded)
            }
        }
        let compared = Self.outcomes(served, probabilities: probabilities, task: { quality.task })
        store.remember(id, RememberedPrediction(quality: quality, predictions: compared, probabilities: probabilities))
    }

    /// The served predictions as scorable values; nil for matrix outputs (multi-output,
    /// per-class probabilities), which feedback does not score.
    static func values(_ predictions: Predictions) -> [OutcomeValue]? {
        switch predictions {
        case .doubles(let v): v.map { .number($0) }
        case .floats(let v): v.map { .number(Double($0)) }
        case .int64s(let v): v.map { .number(Double($0)) }
        case .strings(let v): v.map { .text($0) }
        case .floatMatrix, .doubleMatrix: nil
        }
    }

    /// What a label is compared with: the served value, except that a classifier serving
    /// P(class 1) (an XGBoost Booster with `binary:logistic`) is compared by its class, p > 0.5.
    /// `task` is asked last: most requests serve labels and never need it.
    static func outcomes(
        _ served: [OutcomeValue], probabilities: [Double]?, task: () -> PredictionTask?
    ) -> [OutcomeValue] {
        guard let probabilities, probabilities.count == served.count,
            served.contains(where: { $0.number.map { $0 != 0 && $0 != 1 } ?? false }), task() == .classification
        else { return served }
        return probabilities.map { .number($0 > 0.5 ? 1 : 0) }
    }

    /// A JSON scalar as a label or prediction: numbers and booleans (as 1/0) or strings.
    static func outcome(_ value: JSONValue) -> OutcomeValue? {
        switch value {
        case .int(let i): .number(Double(i))
        case .double(let d): d.isFinite ? .number(d) : nil
        case .bool(let b): .number(b ? 1 : 0)
        case .string(let s): .text(s)
        case .bigInt, .null, .array, .object: nil
        }
    }

    // MARK: - The log's records

    /// `{"request_id", "timestamp", "model_name", "model_version", "features", "predictions"[, "probabilities"]}`;
    /// features as `{"columns": [...], "data": [[row], ...]}` (null when Vigil did not decode the rows).
    static func logLine(
        id: String, labels: ModelLabels, frame: Frame?, predictions: [OutcomeValue], probabilities: [Double]?
    ) -> [UInt8] {
        var w = JSONWriter(capacity: 256 + predictions.count * 24 + (frame.map { $0.rowCount * $0.columns.count * 12 } ?? 0))
        w.raw("{\"request_id\": ")
        w.string(id)
        w.raw(", \"timestamp\": ")
        w.double((Date().timeIntervalSince1970 * 1000).rounded() / 1000)
        w.raw(", \"model_name\": ")
        w.string(labels.name)
        w.raw(", \"model_version\": ")
        w.string(labels.version)
        w.raw(", \"features\": ")
        if let frame { writeFeatures(frame, to: &w) } else { w.raw("null") }
        w.raw(", \"predictions\": [")
        for (i, value) in predictions.enumerated() {
            if i > 0 { w.raw(", ") }
            switch value {
            case .number(let x): number(x, to: &w)
            case .text(let s): w.string(s)
            }
        }
        w.raw("]")
        if let probabilities {
            w.raw(", \"probabilities\": [")
            for (i, p) in probabilities.enumerated() {
                if i > 0 { w.raw(", ") }
                number(p, to: &w)
            }
            w.raw("]")
        }
        w.raw("}")
        return w.bytes
    }

    /// Strict JSON: integral values as integers, NaN and infinities as null.
    private static func number(_ x: Double, to w: inout JSONWriter) {
        if !x.isFinite {
            w.raw("null")
        } else if x.rounded() == x, abs(x) < 9e15 {
            w.int(Int64(x))
        } else {
            w.double(x)
        }
    }

    private static func writeFeatures(_ frame: Frame, to w: inout JSONWriter) {
        w.raw("{\"columns\": [")
        for (i, name) in frame.names.enumerated() {
            if i > 0 { w.raw(", ") }
            w.string(name)
        }
        w.raw("], \"data\": [")
        for row in 0..<frame.rowCount {
            if row > 0 { w.raw(", ") }
            w.raw("[")
            for (c, column) in frame.columns.enumerated() {
                if c > 0 { w.raw(", ") }
                switch column {
                case .double(let v): v[row].isFinite ? w.double(v[row]) : w.raw("null")
                case .int64(let v): w.int(v[row])
                case .bool(let v): w.raw(v[row] ? "true" : "false")
                case .string(let v): if let s = v[row] { w.string(s) } else { w.raw("null") }
                case .datetime(let v): if let ns = v[row] { w.int(ns) } else { w.raw("null") }
                case .object(let v): w.value(v[row])
                case .bytes: w.raw("null")
                }
            }
            w.raw("]")
        }
        w.raw("]}")
    }

    /// Refills the store from the inference log at start: the newest `store.capacity` records of
    /// the version being served (other versions' records are skipped: their windows are gone).
    /// Returns how many were loaded.
    package func reload(for model: ServedModel) -> Int {
        guard let log, let quality = model.quality else { return 0 }
        var loaded = 0
        for line in InferenceLog.newestLines(in: log.directory, limit: store.capacity) {
            // A torn last line (the process died mid-write) or a foreign line is skipped.
            guard let record = (line.withUnsafeBytes { try? JSONReader.parseDocument($0) })?.objectValue,
                let id = record["request_id"]?.stringValue,
                record["model_name"]?.stringValue == model.labels.name,
                record["model_version"]?.stringValue == model.labels.version,
                let list = record["predictions"]?.arrayValue
            else { continue }
            let served = list.compactMap(Self.outcome)
            guard served.count == list.count else { continue }
            let probabilities = record["probabilities"]?.arrayValue?.compactMap { value -> Double? in
                switch value {
                case .int(let i): Double(i)
                case .double(let d): d
                default: nil
                }
            }
            let usable = probabilities?.count == served.count ? probabilities : nil
            store.remember(
                id,
                RememberedPrediction(
                    quality: quality, predictions: Self.outcomes(served, probabilities: usable, task: { quality.task }),
                    probabilities: usable))
            loaded += 1
        }
        return loaded
    }

    // MARK: - POST /feedback

    /// Scores a batch of labels: `{"feedback": [{"request_id": ID, "label": L} or {"request_id": ID,
    /// "labels": [L, ...]}, ...]}`. A malformed body is a 400 with MLflow's error body; a malformed
    /// entry only counts as invalid.
    package func handle(body: ByteBuffer) -> ScoringEndpoint.Answer {
        let parsed: JSONValue
        do {
            parsed = try body.withUnsafeReadableBytes { bytes throws(JSONSyntaxError) in try JSONReader.parseDocument(bytes) }
        } catch {
            return Self.badRequest("The feedback body is not valid JSON: \(error.kind.rawValue) at byte \(error.offset).")
        }
        guard let entries = parsed.objectValue?["feedback"]?.arrayValue else {
            return Self.badRequest(
                #"The feedback body must be a JSON object with a "feedback" list: {"feedback": [{"request_id": "...", "label": 1}, ...]}."#)
        }
        var matched = 0, unknown = 0, invalid = 0, duplicate = 0, rows = 0
        var errors: [(Int, String)] = []
        for (index, entry) in entries.enumerated() {
            let outcome: FeedbackStore.Match
            switch Self.parseEntry(entry) {
            case .failure(let error): outcome = .invalid(error.message)
            case .success(let (id, labels)): outcome = store.label(id, labels)
            }
            switch outcome {
            case .matched(let n):
                matched += 1
                rows += n
            case .unknown:
                unknown += 1
                counters.unknown.increment()
            case .duplicate:
                duplicate += 1
                counters.duplicate.increment()
            case .invalid(let message):
                invalid += 1
                counters.invalid.increment()
                if errors.count < Self.maxErrors { errors.append((index, message)) }
            }
        }
        var w = JSONWriter(capacity: 128)
        w.raw("{\"matched\": ")
        w.int(Int64(matched))
        w.raw(", \"unknown\": ")
        w.int(Int64(unknown))
        w.raw(", \"duplicate\": ")
        w.int(Int64(duplicate))
        w.raw(", \"invalid\": ")
        w.int(Int64(invalid))
        w.raw(", \"rows\": ")
        w.int(Int64(rows))
        w.raw(", \"errors\": [")
        for (i, (index, message)) in errors.enumerated() {
            if i > 0 { w.raw(", ") }
            w.raw("{\"index\": ")
            w.int(Int64(index))
            w.raw(", \"message\": ")
            w.string(message)
            w.raw("}")
        }
        w.raw("]}")
        return ScoringEndpoint.Answer(status: 200, contentType: "application/json", body: ByteBuffer(bytes: w.bytes))
    }

    struct EntryError: Error {
        var message: String
    }

    /// One entry's request id and labels (`label` is a one-row request's `labels`).
    static func parseEntry(_ entry: JSONValue) -> Result<(String, [OutcomeValue]), EntryError> {
        guard let object = entry.objectValue else { return .failure(EntryError(message: "an entry must be a JSON object")) }
        guard let id = object["request_id"]?.stringValue else {
            return .failure(EntryError(message: #"an entry needs a string "request_id""#))
        }
        let raw: [JSONValue]
        switch (object["label"], object["labels"]) {
        case (let label?, nil): raw = [label]
        case (nil, let labels?):
            guard let list = labels.arrayValue, !list.isEmpty else {
                return .failure(EntryError(message: #""labels" must be a non-empty list, one label per row"#))
            }
            raw = list
        case (nil, nil): return .failure(EntryError(message: #"an entry needs "label" or "labels""#))
        case (_?, _?): return .failure(EntryError(message: #"an entry has either "label" or "labels", not both"#))
        }
        var labels: [OutcomeValue] = []
        labels.reserveCapacity(raw.count)
        for value in raw {
            guard let label = outcome(value) else {
                return .failure(EntryError(message: "a label must be a number, a boolean or a string"))
            }
            labels.append(label)
        }
        return .success((id, labels))
    }

    static func badRequest(_ message: String) -> ScoringEndpoint.Answer {
        ScoringEndpoint.answer(for: ScoringError(.badRequest, message))
    }
}
