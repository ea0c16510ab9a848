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

    /// The roles this build can run. The others are refused by name until they are built, so
    /// that asking for one never starts a process that silently does nothing.
    public static let available: Set<Role> = [.api, .chat, .inbox, .worker]

    /// What each available role runs, for the start-up log.
    public var services: String {
        switch self {
        case .chat: "WebSocket /chat and /agent, the bot, the conversation feed"
        case .worker: "email worker, relay pool with heartbeats and breakers, queue gauges, SIGHUP relay reload, outgoing webhooks"
        case .api: "admin API under /api/v1 (bearer tokens with scopes), the campaign clock (scheduled starts, completion)"
        case .inbox: "the IMAP inbox watcher (--inbox mailboxes: sign-up replies, bounces, complaints, unsubscribes), the confirm links"
        case .scheduler: "nothing yet"
        }
    }

    /// Parses a comma list such as `chat,worker`; `all` means every available role. An empty list
    /// is refused: it names no role, and reading it as `all` would start everything.
    public static func parseList(_ text: String) throws(ConfigurationError) -> Set<Role> {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        guard !names.isEmpty else {
            throw ConfigurationError(
                key: "roles", message: "the list is empty; name the roles (\(available.sorted().map(\.rawValue).joined(separator: ", "))) or all")
        }
        if names == ["all"] { return available }
        var roles = Set<Role>()
        for name in names {
            guard let role = Role(rawValue: name) else {
                throw ConfigurationError(
                    key: "roles", message: "unknown role '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")), all)")
            }
            guard available.contains(role) else {
                throw ConfigurationError(
                    key: "roles",
                    message: "the \(name) role is not built yet and would run nothing; available: \(available.sorted().map(\.rawValue).joined(separator: ", "))"
                )
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
