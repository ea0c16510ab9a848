public import CarteiroDomain
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// Ends the sessions of tokens that were revoked or expired since they signed in: every
/// `interval`, while any session is watched, it reads the token records once (one store read
/// however many agents are connected; tokens are few, sessions may be thousands) and tells each
/// session whose token is no longer active.
///
/// A revocation made by another process (`carteiro token revoke`) is seen through the store, so
/// it reaches every server within `interval`.
public final class AgentTokenWatch: Service, Sendable {
    /// Why a session's token stopped being valid.
    public enum Ending: String, Sendable, Equatable {
        case revoked = "token revoked"
        case expired = "token expired"
    }

    /// One watched session: `ending` yields once, when its token stops being valid, then finishes.
    public struct Session: Sendable {
        let id: Int
        public let ending: AsyncStream<Ending>
    }

    private struct Watcher {
        let token: AccessTokenID
        let continuation: AsyncStream<Ending>.Continuation
    }

    private let tokens: any AccessTokenStore
    private let interval: Duration
    private let clock: any WallClock
    private let logger: Logger
    private let watchers = Mutex<(next: Int, byID: [Int: Watcher])>((0, [:]))
    /// While the store cannot be read, one line per interval, not one per check.
    private let readFailures = LogThrottle(interval: .seconds(30))

    public init(tokens: any AccessTokenStore, interval: Duration = .seconds(2), clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.tokens = tokens
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    /// Watches `token` for one session until `unwatch`.
    public func watch(_ token: AccessToken) -> Session {
        let (stream, continuation) = AsyncStream.makeStream(of: Ending.self, bufferingPolicy: .bufferingNewest(1))
        let id = watchers.withLock { watchers in
            watchers.next += 1
            watchers.byID[watchers.next] = Watcher(token: token.id, continuation: continuation)
            return watchers.next
        }
        return Session(id: id, ending: stream)
    }

    public func unwatch(_ session: Session) {
        watchers.withLock { $0.byID.removeValue(forKey: session.id) }?.continuation.finish()
    }

    /// How many sessions are watched.
    public var count: Int { watchers.withLock { $0.byID.count } }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.interval)
                await self.check()
            }
        }
        for watcher in watchers.withLock({ $0.byID.values }) { watcher.continuation.finish() }
    }

    /// Reads the tokens once and ends the sessions of those no longer active.
    public func check() async {
        guard count > 0 else { return }
        let records: [AccessTokenID: AccessToken]
        do {
            records = Dictionary(try await tokens.list().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        } catch {
            // Sessions go on: a store that cannot be read is no proof that a token was revoked.
            let occurrence = readFailures.record("list")
            if occurrence.shouldLog {
                logger.warning("cannot re-check agent tokens", metadata: ["error": "\(error)", "unlogged_since_last": "\(occurrence.suppressed)"])
            }
            return
        }
        let now = clock.now()
        let ended = watchers.withLock { watchers in
            var ended: [(Watcher, Ending)] = []
            for (id, watcher) in watchers.byID {
                let record = records[watcher.token]
                let ending: Ending? =
                    if let record, record.isActive(at: now) { nil } else if let record, !record.revoked { .expired } else { .revoked }
                guard let ending else { continue }
                watchers.byID[id] = nil
                ended.append((watcher, ending))
            }
            return ended
        }
        for (watcher, ending) in ended {
            logger.info("agent session ends", metadata: ["token": "\(watcher.token.rawValue)", "reason": "\(ending.rawValue)"])
            watcher.continuation.yield(ending)
            watcher.continuation.finish()
        }
    }
}
