public import CarteiroDomain

/// Checks a bearer token against the stored hashes.
public struct AgentAuthenticator: Sendable {
    private let tokens: any AccessTokenStore

    public init(tokens: any AccessTokenStore) {
        self.tokens = tokens
    }

    /// The active token for `secret` if its scope allows `scope`; nil otherwise (unknown, revoked
    /// or too narrow). Store failures are thrown, so that they are not mistaken for a bad token.
    public func authenticate(_ secret: String, scope: AccessToken.Scope) async throws -> AccessToken? {
        guard !secret.isEmpty, secret.utf8.count <= 256 else { return nil }
        guard let token = try await tokens.token(hash: SecretToken.hash(secret)), !token.revoked, token.scope.allows(scope) else { return nil }
        return token
    }
}
