/// A connection's frame budget: a token bucket (`rate` frames per second, `burst` at once), and a
/// count of refused frames in a sliding window that tells plain excess from sustained abuse.
struct FrameRateLimiter {
    enum Verdict: Equatable {
        case allowed
        /// Refuse this frame with `rate_limited`; the connection stays.
        case limited
        /// Too many refused frames lately: close the connection (1008).
        case abusive
    }

    private let rate: Double
    private let burst: Double
    private let abuseLimit: Int
    private let abuseWindow: Duration
    private var tokens: Double
    private var refilledAt: ContinuousClock.Instant
    private var refusals: [ContinuousClock.Instant] = []

    init(rate: Double, burst: Int, abuseLimit: Int, abuseWindow: Duration, now: ContinuousClock.Instant) {
        self.rate = rate
        self.burst = Double(burst)
        self.abuseLimit = abuseLimit
        self.abuseWindow = abuseWindow
        self.tokens = Double(burst)
        self.refilledAt = now
    }

    mutating func take(at now: ContinuousClock.Instant) -> Verdict {
        let elapsed = now - refilledAt
        tokens = min(burst, tokens + rate * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        refilledAt = now
        if tokens >= 1 {
            tokens -= 1
            return .allowed
        }
        let window = abuseWindow
        refusals.removeAll { now - $0 > window }
        refusals.append(now)
        return refusals.count >= abuseLimit ? .abusive : .limited
    }
}
