public import Foundation

public typealias AgentTokenID = Identifier<AgentToken>

/// A bearer credential for agents (and, later, the admin API). Only the SHA-256 of the secret is
/// kept: whoever reads the store cannot sign in with what they read.
public struct AgentToken: Hashable, Sendable, Codable, Identifiable {
    public enum Scope: String, Hashable, Sendable, Codable, CaseIterable {
        /// Answers customers on `/agent`.
        case agent
        /// Everything an agent may do, and the admin API.
        case admin

        /// Whether a token of this scope may do what `required` allows.
        public func allows(_ required: Scope) -> Bool { self == .admin || self == required }
    }

    public let id: AgentTokenID
    /// Who holds it; shown to customers as the agent's name. Not unique: revoking by name revokes all.
    public let name: String
    public let scope: Scope
    /// SHA-256 of the secret, lowercase hex.
    public let tokenHash: String
    public var revoked: Bool
    public let createdAt: Date

    public init(id: AgentTokenID = AgentTokenID(), name: String, scope: Scope, tokenHash: String, revoked: Bool = false, createdAt: Date)
        throws(ValidationError)
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
    }
}
