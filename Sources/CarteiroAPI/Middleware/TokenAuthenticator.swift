import CarteiroDomain
import Crypto
import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import Synchronization

/// Finds the active token named by `Authorization: Bearer …` (hummingbird-auth's
/// `AuthenticatorMiddleware`), and lends it to the operation handlers through `APICaller`.
///
/// A token's record is kept for `cacheLifetime` so that a busy client does not cost a store read
/// per request; a revoked or expired token is therefore refused within that time. A request with
/// an active token writes its last use, at most once a minute per token (`uses`); a failed
/// write is logged and the request goes on.
struct TokenAuthenticator: AuthenticatorMiddleware {
    typealias Context = APIRequestContext

    let tokens: any AccessTokenStore
    let cacheLifetime: Duration
    let uses: TokenUseThrottle
    let logger: Logger
    private let cache = TokenCache()

    init(tokens: any AccessTokenStore, cacheLifetime: Duration = .seconds(2), uses: TokenUseThrottle, logger: Logger) {
        self.tokens = tokens
        self.cacheLifetime = cacheLifetime
        self.uses = uses
        self.logger = logger
    }

    func authenticate(request: Request, context: APIRequestContext) async throws -> AccessToken? {
        guard let secret = request.headers.bearer?.token, !secret.isEmpty, secret.utf8.count <= 256 else { return nil }
        let hash = Self.hex(SHA256.hash(data: Data(secret.utf8)))
        let now = ContinuousClock.now
        let cached = cache.entries.withLock { cache in cache[hash].flatMap { now - $0.fetched < cacheLifetime ? $0 : nil } }
        let token: AccessToken?
        if let cached {
            token = cached.token
        } else {
            token = try await tokens.token(hash: hash)
            cache.entries.withLock { cache in
                // Bounded: unknown secrets sent by a scanner must not grow it for ever.
                if cache.count > 10_000 { cache.removeAll(keepingCapacity: true) }
                cache[hash] = (token, now)
            }
        }
        let wallNow = Date()
        guard let token, token.isActive(at: wallNow) else { return nil }
        if uses.shouldRecord(token.id, at: wallNow) {
            do {
                _ = try await tokens.recordUse(id: token.id, at: wallNow)
            } catch {
                logger.warning("cannot record a token's use", metadata: ["token": "\(token.id.rawValue)", "error": "\(error)"])
            }
        }
        return token
    }

    /// Lowercase hex, without a formatter per byte (this runs on every request).
    static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(64)
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws
        -> Response
    {
        var context = context
        context.identity = try await authenticate(request: request, context: context)
        let client = request.headers[APIClientAddress.header]
        return try await APICaller.$token.withValue(context.identity) {
            try await APIClientAddress.$current.withValue(client) { try await next(request, context) }
        }
    }
}

/// Recently read token records by secret hash; nil records remember unknown secrets.
private final class TokenCache: Sendable {
    let entries = Mutex<[String: (token: AccessToken?, fetched: ContinuousClock.Instant)]>([:])
}
