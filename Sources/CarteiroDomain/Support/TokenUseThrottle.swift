public import Foundation
import Synchronization

/// Which uses of an access token are written to the store as its last use: the first, then at
/// most one per `interval` per token, so that a busy client does not cost a write per request.
/// The caller writes (and logs a failed write); the throttle only decides. One instance per
/// process, shared by everything that authenticates tokens.
public final class TokenUseThrottle: Sendable {
    private let interval: TimeInterval
    private let recorded = Mutex<[AccessTokenID: Date]>([:])

    public init(interval: Duration = .seconds(60)) {
        self.interval = interval.timeInterval
    }

    /// Whether the use of `token` at `now` is to be written; if so, it counts as written.
    public func shouldRecord(_ token: AccessTokenID, at now: Date) -> Bool {
        recorded.withLock { recorded in
            if let last = recorded[token], now.timeIntervalSince(last) < interval { return false }
            // Bounded: tokens are few, but nothing should grow for ever.
            if recorded.count >= 10_000 { recorded.removeAll(keepingCapacity: true) }
            recorded[token] = now
            return true
        }
    }
}
