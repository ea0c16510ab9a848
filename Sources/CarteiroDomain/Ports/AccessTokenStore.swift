public import Foundation

/// The agent and admin tokens, by the hash of their secret.
public protocol AccessTokenStore: Sendable {
    /// Stores a new token; a hash already stored is a `duplicate`.
    func create(_ token: AccessToken) async throws
    /// The token with this hash, revoked or not; nil when none.
    func token(hash: String) async throws -> AccessToken?
    /// Revokes every active token named `name`; returns how many.
    func revoke(name: String) async throws -> Int
    /// Revokes one token; false when no active token has this id.
    func revoke(id: AccessTokenID) async throws -> Bool
    /// Every token, oldest first.
    func list() async throws -> [AccessToken]
    /// Records that the token was used at `at` (a later time only: an earlier one is ignored);
    /// false when no token has this id. Callers write it at most once a minute per token.
    func recordUse(id: AccessTokenID, at: Date) async throws -> Bool
}
