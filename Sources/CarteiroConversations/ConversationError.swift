/// Why the conversation service refused a request. `code` is the chat protocol's error code, so
/// the WebSocket edge passes it on unchanged.
public struct ConversationError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Kind: String, Hashable, Sendable {
        case unknownConversation = "unknown_conversation"
        case conversationClosed = "conversation_closed"
        case alreadyClaimed = "already_claimed"
        case notYourConversation = "not_owner"
        case invalidMessage = "missing_field"
        case textTooLong = "text_too_long"
        case emailNotSent = "email_not_sent"
        case unavailable = "internal"
    }

    private let kind: Kind
    /// What the client is told. For `internal`, never the backend's own words (SQL, hosts): only
    /// the incident id of the log line that has them.
    public let message: String
    /// For `internal`: the id of the log line with the details.
    public let incident: String?

    private init(_ kind: Kind, _ message: String, incident: String? = nil) {
        self.kind = kind
        self.message = message
        self.incident = incident
    }

    /// The protocol's error code: `unknown_conversation`, `conversation_closed`, `already_claimed`,
    /// `not_owner`, `missing_field`, `text_too_long` or `internal`.
    public var code: String { kind.rawValue }
    public var description: String { "\(code): \(message)" }

    public static func unknownConversation(_ message: String = "no such conversation") -> Self { .init(.unknownConversation, message) }
    public static func conversationClosed() -> Self { .init(.conversationClosed, "the conversation is closed") }
    public static func alreadyClaimed() -> Self { .init(.alreadyClaimed, "another agent claimed this conversation, or it is not waiting") }
    public static func notYourConversation() -> Self { .init(.notYourConversation, "this conversation is not assigned to you") }
    public static func invalidMessage(_ message: String) -> Self { .init(.invalidMessage, message) }
    public static func textTooLong() -> Self { .init(.textTooLong, "text is longer than 4096 bytes") }
    /// An email conversation's answer that this process cannot send: nothing was stored.
    public static func emailUnavailable() -> Self {
        .init(.emailNotSent, "this server sends no email (it needs --signup-address and --mail-from): nothing was stored")
    }
    /// The answer is stored, but its email was not accepted for sending.
    public static func emailNotSent(_ reason: String) -> Self {
        .init(.emailNotSent, "the answer is stored but its email was not sent (\(reason)); send it again with the same client_id")
    }
    /// The service could not do it (the store failed, or kept changing under the request); the
    /// details are in the log line `incident` names.
    public static func internalFailure(incident: String) -> Self {
        .init(.unavailable, "the service could not do this right now; try again (error \(incident))", incident: incident)
    }

    public static let unknownConversationCode = Kind.unknownConversation.rawValue
    public static let alreadyClaimedCode = Kind.alreadyClaimed.rawValue
}
