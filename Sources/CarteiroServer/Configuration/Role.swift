import Foundation

/// A part of Carteiro one process can run. `carteiro serve --roles` picks any set; every process
/// serves `/health`, `/ready` and `/metrics` whatever its roles.
public enum Role: String, CaseIterable, Sendable, Hashable, Comparable {
    /// The admin campaign API.
    case api
    /// Customer and agent WebSocket chat.
    case chat
    /// The email worker: claims queued jobs and sends them through the relays.
    case worker
    /// The marketing-automation scheduler.
    case scheduler
    /// The IMAP inbox watcher (replies, bounces).
    case inbox

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses a comma list such as `api,worker`; `all` (or an empty list) means every role.
    public static func parseList(_ text: String) throws(ConfigurationError) -> Set<Role> {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        if names.isEmpty || names == ["all"] { return Set(allCases) }
        var roles = Set<Role>()
        for name in names {
            guard let role = Role(rawValue: name) else {
                throw ConfigurationError(
                    key: "roles", message: "unknown role '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")), all)")
            }
            roles.insert(role)
        }
        return roles
    }
}

/// Configuration a process refuses before starting anything.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let key: String
    public let message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "invalid \(key): \(message)" }
}
