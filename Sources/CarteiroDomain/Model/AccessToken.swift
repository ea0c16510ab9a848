public import Foundation

public typealias AccessTokenID = Identifier<AccessToken>

/// A bearer credential for agents and for the admin API. Only the SHA-256 of the secret is
/// kept: whoever reads the store cannot sign in with what they read.
public struct AccessToken: Hashable, Sendable, Codable, Identifiable {
    /// What a token may do. `admin` may do everything; every other scope only its own part.
    public enum Scope: String, Hashable, Sendable, Codable, CaseIterable {
        /// Everything: the whole admin API and the agent chat.
        case admin
        /// Templates, lists, segments, campaigns and reports.
        case campaigns
        /// Contacts and lists.
        case contacts
        /// Read-only reports (campaign reports, relays).
        case reports
        /// Answers customers on `/agent`; nothing in the admin API.
        case agent

        /// Whether a token of this scope may do what `required` allows.
        public func allows(_ required: Scope) -> Bool { self == .admin || self == required }

        /// Whether a token of this scope may do what any of `granted` allows.
        public func allows(anyOf granted: Set<Scope>) -> Bool { self == .admin || granted.contains(self) }
    }

    public let id: AccessTokenID
    /// Who holds it; shown to customers as the agent's name. Not unique: revoking by name revokes all.
    public let name: String
    public let scope: Scope
    /// SHA-256 of the secret, lowercase hex.
    public let tokenHash: String
    public var revoked: Bool
    public let createdAt: Date
    /// After this moment the token is refused; nil: it does not expire.
    public let expiresAt: Date?
    /// When the token last opened a session or made a request (updated at most once a minute).
    public var lastUsedAt: Date?

    public init(id: AccessTokenID = AccessTokenID(), name: String, scope: Scope, tokenHash: String, revoked: Bool = false, createdAt: Date,
        expiresAt: Date? = nil, lastUsedAt: Date? = nil
    ) throws(ValidationError)
    {
        self.id = id
        self.name = try requireNonEmpty(name, field: "name")
        guard tokenHash.count == 64, tokenHash.allSatisfy(\.isHexDigit) else {
            throw ValidationError(field: "tokenHash", reason: "must be a SHA-256 in hex")
        }
        self.scope = scope
        self.tokenHash = tokenHash.lowercased()
        self.revoked = revoked
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
    }

    /// Neither revoked nor expired at `now`.
    public func isActive(at now: Date) -> Bool {
        guard !revoked else { return false }
        guard let expiresAt else { return true }
        return now < expiresAt
    }
}
