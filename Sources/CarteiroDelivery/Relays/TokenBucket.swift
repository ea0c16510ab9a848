public import Foundation

/// A token bucket: `rate` tokens a second, holding at most `burst`. Time comes in with each call.
public struct TokenBucket: Sendable {
    public let rate: Double
    public let burst: Double
    /// May go below zero: `consume` charges whole batches, and the debt delays later takes.
    public private(set) var tokens: Double
    private var updatedAt: Date?

    /// A full bucket.
    public init(rate: Double, burst: Double) {
        precondition(rate > 0, "a token bucket needs a positive rate")
        self.rate = rate
        self.burst = max(1, burst)
        self.tokens = max(1, burst)
    }

    /// Takes one token: nil when it was there (go now), otherwise how long until one will be.
    public mutating func take(now: Date) -> Duration? {
        refill(now: now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return .seconds((1 - tokens) / rate)
    }

    /// How long until a token is there, without taking it; nil when one is there now.
    public func wait(now: Date) -> Duration? {
        var copy = self
        copy.refill(now: now)
        return copy.tokens >= 1 ? nil : .seconds((1 - copy.tokens) / rate)
    }

    /// Charges `count` tokens whether or not they are there (messages already sent).
    public mutating func consume(_ count: Double, now: Date) {
        refill(now: now)
        tokens -= count
    }

    private mutating func refill(now: Date) {
        guard let last = updatedAt else {
            updatedAt = now
            return
        }
        let elapsed = now.timeIntervalSince(last)
        guard elapsed > 0 else { return }
        tokens = min(burst, tokens + elapsed * rate)
        updatedAt = now
    }
}
