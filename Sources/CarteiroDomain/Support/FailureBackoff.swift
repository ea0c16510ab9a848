/// How long to wait before trying a dependency again (the store, most often) after consecutive
/// failures: `base`, doubling with each failure up to `cap`, and back to `base` after a success.
/// A loop that retries at once against a store that refuses every write spins and floods its
/// log; one that waits longer and longer costs a recovered store at most `cap`.
///
/// A value: each retry loop keeps its own, so one lane's failures do not slow another's.
public struct FailureBackoff: Sendable, Hashable {
    public let base: Duration
    public let cap: Duration
    /// Failures since the last success.
    public private(set) var consecutiveFailures = 0

    public init(base: Duration = .milliseconds(200), cap: Duration = .seconds(10)) {
        self.base = base
        self.cap = max(base, cap)
    }

    /// The wait the next failure would get.
    public var nextDelay: Duration {
        // 2^20 times any sensible base is already past any sensible cap.
        let doublings = min(consecutiveFailures, 20)
        return min(cap, base * (1 << doublings))
    }

    /// Counts a failure and returns how long to wait before the next try.
    public mutating func failed() -> Duration {
        let delay = nextDelay
        consecutiveFailures += 1
        return delay
    }

    public mutating func succeeded() {
        consecutiveFailures = 0
    }
}
