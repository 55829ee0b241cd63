import Synchronization
import VigilModel
import VigilMonitoring

/// What Vigil remembers of one answered request so that a later label can be scored against it.
package struct RememberedPrediction: Sendable {
    /// The version that answered (its quality window gets the labels).
    package var quality: QualityMonitor
    /// One prediction per row.
    package var predictions: [OutcomeValue]
    /// P(class 1) per row, when the runtime exposes it.
    package var probabilities: [Double]?
    /// Whether feedback has already been scored for it (a request is labelled once).
    package var labelled = false

    package init(quality: QualityMonitor, predictions: [OutcomeValue], probabilities: [Double]?) {
        self.quality = quality
        self.predictions = predictions
        self.probabilities = probabilities
    }
}

/// The predictions of about the last `capacity` requests, by request id, for `POST /feedback`.
///
/// Lock-striped: an id hashes to one of `stripeCount` stripes, each a ring buffer of ids plus a
/// dictionary under its own mutex, so the event loops rarely meet on one lock and each request
/// costs one hash, one uncontended lock and O(1) work. Each stripe holds `capacity / stripeCount`
/// requests and drops its oldest first, so "the last N" is approximate by at most a stripe's
/// imbalance.
package final class FeedbackStore: Sendable {
    package static let stripeCount = 16
    package let capacity: Int
    private let stripes: [Stripe]

    package init(capacity: Int) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
        let perStripe = max(1, (capacity + Self.stripeCount - 1) / Self.stripeCount)
        stripes = (0..<Self.stripeCount).map { _ in Stripe(capacity: perStripe) }
    }

    private func stripe(_ id: String) -> Stripe {
        var hasher = Hasher()
        hasher.combine(id)
        return stripes[Int(UInt(bitPattern: hasher.finalize()) % UInt(Self.stripeCount))]
    }

    /// Remembers a request's predictions, replacing any earlier request with the same id.
    package func remember(_ id: String, _ prediction: RememberedPrediction) {
        stripe(id).insert(id, prediction)
    }

    /// What happened to one feedback entry.
    package enum Match: Equatable, Sendable {
        case matched(rows: Int)
        case unknown
        case duplicate
        case invalid(String)
    }

    /// Scores `labels` (one per row) against the request `id` remembered, once.
    package func label(_ id: String, _ labels: [OutcomeValue]) -> Match {
        // Checked and claimed under the stripe's lock; the quality window takes its own lock after.
        var claimed: RememberedPrediction?
        let match: Match = stripe(id).state.withLock { state in
            guard let entry = state.entries[id]?.prediction else { return .unknown }
            guard !entry.labelled else { return .duplicate }
            guard labels.count == entry.predictions.count else {
                return .invalid("\(labels.count) label(s) for a request of \(entry.predictions.count) row(s)")
            }
            guard zip(labels, entry.predictions).allSatisfy({ entry.quality.accepts(label: $0, prediction: $1) }) else {
                return .invalid("a regression model needs numeric labels")
            }
            state.entries[id]?.prediction.labelled = true
            claimed = entry
            return .matched(rows: labels.count)
        }
        if let entry = claimed {
            entry.quality.record(labels.indices.map {
                LabelledRow(label: labels[$0], prediction: entry.predictions[$0], probability: entry.probabilities?[$0])
            })
        }
        return match
    }

    /// Requests remembered now (tests, status).
    package var count: Int { stripes.reduce(0) { $0 + $1.state.withLock { $0.entries.count } } }

    private final class Stripe: Sendable {
        struct Slot {
            var prediction: RememberedPrediction
            var sequence: UInt64
        }

        struct State: ~Copyable {
            var entries: [String: Slot] = [:]
            var ring: [(id: String, sequence: UInt64)?]
            var next = 0
            var sequence: UInt64 = 0
        }

        let state: Mutex<State>

        init(capacity: Int) {
            state = Mutex(State(ring: Array(repeating: nil, count: capacity)))
        }

        func insert(_ id: String, _ prediction: RememberedPrediction) {
            state.withLock { state in
                state.sequence &+= 1
                // The slot's old id leaves, unless a newer request reused that id since.
                if let old = state.ring[state.next], state.entries[old.id]?.sequence == old.sequence {
                    state.entries[old.id] = nil
                }
                state.ring[state.next] = (id, state.sequence)
                state.entries[id] = Slot(prediction: prediction, sequence: state.sequence)
                state.next = (state.next + 1) % state.ring.count
            }
        }
    }
}
