import CarteiroChatProtocol
import NIOWebSocket
import Synchronization
import WSCore

/// What every chat connection does besides its own frames: the rate limit (excess refused with
/// `rate_limited`, sustained abuse closed with 1008) and the idle timeout (closed with 1001).
final class ConnectionLimits: Sendable {
    private let limiter: Mutex<FrameRateLimiter>
    private let lastFrame: Mutex<ContinuousClock.Instant>
    private let idleTimeout: Duration
    private let timer: EventLoopTimer

    init(configuration: ChatConfiguration, timer: EventLoopTimer) {
        let now = ContinuousClock.now
        limiter = Mutex(
            FrameRateLimiter(
                rate: configuration.framesPerSecond, burst: configuration.burst, abuseLimit: configuration.abuseLimit,
                abuseWindow: configuration.abuseWindow, now: now))
        lastFrame = Mutex(now)
        idleTimeout = configuration.idleTimeout
        self.timer = timer
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
            try? await timer.sleep(until: deadline)
        }
    }
}

extension ConnectionLimits {
    /// The text of a client frame that passes the rate limit, or nil when it was answered with an
    /// `error` frame instead (too fast, or binary). Throws `CancellationError` after closing the
    /// connection for sustained abuse.
    func admittedText(of message: WebSocketMessage, outbox: EntryOutbox) async throws -> String? {
        switch admit() {
        case .allowed: break
        case .limited:
            await outbox.send(.error(code: .rateLimited, message: "too many frames; slow down"))
            return nil
        case .abusive:
            await outbox.close(.policyViolation, reason: "rate limit exceeded")
            throw CancellationError()
        }
        guard case .text(let text) = message else {
            await outbox.send(.error(code: .invalidJSON, message: "frames are JSON text, not binary"))
            return nil
        }
        return text
    }
}
