import CarteiroChatProtocol
import Synchronization
import WSCore

/// What every chat connection does besides its own frames: the rate limit (excess refused with
/// `rate_limited`, sustained abuse closed with 1008) and the idle timeout (closed with 1001).
final class ConnectionLimits: Sendable {
    private let limiter: Mutex<FrameRateLimiter>
    private let lastFrame: Mutex<ContinuousClock.Instant>
    private let idleTimeout: Duration

    init(configuration: ChatConfiguration) {
        let now = ContinuousClock.now
        limiter = Mutex(
            FrameRateLimiter(
                rate: configuration.framesPerSecond, burst: configuration.burst, abuseLimit: configuration.abuseLimit,
                abuseWindow: configuration.abuseWindow, now: now))
        lastFrame = Mutex(now)
        idleTimeout = configuration.idleTimeout
    }

    /// Records a frame from the client and judges it.
    func admit() -> FrameRateLimiter.Verdict {
        let now = ContinuousClock.now
        lastFrame.withLock { $0 = now }
        return limiter.withLock { $0.take(at: now) }
    }

    /// Returns when the client has been silent for the idle timeout (or the task is cancelled).
    func waitUntilIdle() async {
        while !Task.isCancelled {
            let deadline = lastFrame.withLock { $0 } + idleTimeout
            if ContinuousClock.now >= deadline { return }
            try? await Task.sleep(until: deadline)
        }
    }
}
