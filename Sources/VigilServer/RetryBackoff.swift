/// When a registry version that failed to load may be tried again. A version that failed is
/// retried only when the reference moves away and back, or after a backoff that doubles with
/// each failure of that same version (1 minute, 2, 4, ... up to 1 hour), never at every poll.
package struct RetryBackoff: Sendable, Equatable {
    package let version: String
    package let failures: Int
    package let retryAt: ContinuousClock.Instant

    package static let first = Duration.seconds(60)
    package static let longest = Duration.seconds(3600)

    /// The record after `version` failed at `now`, continuing `previous` when it was the same version.
    package init(failed version: String, at now: ContinuousClock.Instant, after previous: RetryBackoff?) {
        self.version = version
        failures = previous?.version == version ? (previous?.failures ?? 0) + 1 : 1
        retryAt = now + Self.delay(failures: failures)
    }

    /// 1 minute after the first failure, doubling after each further one, at most an hour.
    package static func delay(failures: Int) -> Duration {
        var delay = first
        for _ in 1..<max(failures, 1) {
            delay *= 2
            if delay >= longest { return longest }
        }
        return delay
    }

    /// Whether `version` may be loaded at `now`: any other version may, this one once its backoff has passed.
    package func allows(_ version: String, at now: ContinuousClock.Instant) -> Bool {
        version != self.version || now >= retryAt
    }
}
