public import CarteiroDomain
import Foundation
public import Logging
import Synchronization

/// Checks a bearer token against the stored hashes, telling a caller without a valid token
/// (401) from one whose valid token does not allow what it asks (403).
///
/// A token's record is kept for `cacheLifetime`, so that the several looks at one upgrade (the
/// guard in front of it, the route, the connection) and a burst of reconnects cost one store
/// read; a revoked or expired token is therefore refused within that time.
public struct AgentAuthenticator: Sendable {
    /// What a token may do, for a request that needs a scope.
    public enum Outcome: Sendable, Equatable {
        /// The token is active and its scope allows what was asked.
        case accepted(AccessToken)
        /// No token, or an unknown, revoked or expired one: 401.
        case unauthorized
        /// An active token whose scope does not allow what was asked: 403.
        case forbidden(AccessToken)

        public var token: AccessToken? {
            if case .accepted(let token) = self { return token }
            return nil
        }
    }

    private let tokens: any AccessTokenStore
    private let clock: any WallClock
    private let cacheLifetime: Duration
    private let uses: TokenUseThrottle
    private let cache = TokenRecordCache()

    public init(
        tokens: any AccessTokenStore, clock: any WallClock = SystemWallClock(), cacheLifetime: Duration = .seconds(2),
        uses: TokenUseThrottle = TokenUseThrottle()
    ) {
        self.tokens = tokens
        self.clock = clock
        self.cacheLifetime = cacheLifetime
        self.uses = uses
    }

    /// Whether `secret` names an active token whose scope allows `scope`. Store failures are
    /// thrown, so that they are not mistaken for a bad token.
    public func authenticate(_ secret: String?, scope: AccessToken.Scope) async throws -> Outcome {
        guard let secret, !secret.isEmpty, secret.utf8.count <= 256 else { return .unauthorized }
        let hash = SecretToken.hash(secret)
        let now = ContinuousClock.now
        let record: AccessToken?
        if let cached = cache.record(hash: hash, now: now, lifetime: cacheLifetime) {
            record = cached
        } else {
            record = try await tokens.token(hash: hash)
            cache.keep(record, hash: hash, now: now)
        }
        guard let record, record.isActive(at: clock.now()) else { return .unauthorized }
        return record.scope.allows(scope) ? .accepted(record) : .forbidden(record)
    }

    /// Writes that `token` was used now, at most once a minute per token (the throttle is shared
    /// with the admin API's). A failed write is logged, never thrown: it must not end a session.
    public func recordUse(of token: AccessToken, logger: Logger) async {
        let now = clock.now()
        guard uses.shouldRecord(token.id, at: now) else { return }
        do {
            _ = try await tokens.recordUse(id: token.id, at: now)
        } catch {
            logger.warning("cannot record a token's use", metadata: ["token": "\(token.id.rawValue)", "error": "\(error)"])
        }
    }
}

/// Recently read token records by secret hash; nil records remember unknown secrets.
private final class TokenRecordCache: Sendable {
    private let entries = Mutex<[String: (token: AccessToken?, fetched: ContinuousClock.Instant)]>([:])

    /// The record read for `hash` less than `lifetime` ago: `.some(nil)` for an unknown secret,
    /// nil when there is none that recent.
    func record(hash: String, now: ContinuousClock.Instant, lifetime: Duration) -> AccessToken?? {
        entries.withLock { entries in
            guard let entry = entries[hash], now - entry.fetched < lifetime else { return nil }
            return .some(entry.token)
        }
    }

    func keep(_ token: AccessToken?, hash: String, now: ContinuousClock.Instant) {
        entries.withLock { entries in
            // Bounded: unknown secrets sent by a scanner must not grow it for ever.
            if entries.count > 10_000 { entries.removeAll(keepingCapacity: true) }
            entries[hash] = (token, now)
        }
    }
}
