/// Retry delays: exponential with full jitter, never shorter than the wait a server asked for.
public struct Backoff: Sendable, Hashable {
    public var base: Duration
    public var cap: Duration
    /// Attempts after which a job fails for good.
    public var maxAttempts: Int

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(600), maxAttempts: Int = 8) {
        self.base = base
        self.cap = cap
        self.maxAttempts = maxAttempts
    }

    /// The wait before the next try after `attempt` tries (1 = the first one failed): uniform in
    /// [0, min(cap, base·2^(attempt-1))], raised to `retryAfter` (itself capped at `cap`).
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?, using generator: inout some RandomNumberGenerator) -> Duration {
        let capSeconds = max(0, cap / .seconds(1))
        // 2^62 already exceeds any sane cap; clamping the exponent keeps the Double finite.
        let exponent = min(max(attempt, 1) - 1, 62)
        let ceiling = min(capSeconds, max(0, base / .seconds(1)) * Double(sign: .plus, exponent: exponent, significand: 1))
        let jittered = ceiling > 0 ? Double.random(in: 0...ceiling, using: &generator) : 0
        let floor = retryAfter.map { min(max(0, $0 / .seconds(1)), capSeconds) } ?? 0
        return .seconds(max(jittered, floor))
    }

    public func isExhausted(attempts: Int) -> Bool {
        attempts >= maxAttempts
    }
}
