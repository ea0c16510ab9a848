/// The `code` of an `error` frame. The connection stays usable after any of them unless the
/// server closes it right after.
public enum ChatErrorCode: String, Codable, Hashable, Sendable, CaseIterable {
    case invalidJSON = "invalid_json"
    case unknownType = "unknown_type"
    case missingField = "missing_field"
    case textTooLong = "text_too_long"
    case frameTooLarge = "frame_too_large"
    case rateLimited = "rate_limited"
    /// A frame that needs a conversation came before `hello`.
    case notHello = "not_hello"
    /// A resume token or conversation id that names no conversation.
    case unknownConversation = "unknown_conversation"
    case conversationClosed = "conversation_closed"
    /// Another agent claimed the conversation first.
    case alreadyClaimed = "already_claimed"
    /// An agent acted on a conversation it does not own.
    case notOwner = "not_owner"
    /// An agent's answer in an email conversation could not be sent by email (it is stored when
    /// the message says so: sending it again with the same client id sends it).
    case emailNotSent = "email_not_sent"
    case `internal`
}

/// A frame that cannot be understood; `code` is what the `error` frame answering it carries.
public struct FrameDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public let code: ChatErrorCode
    public let message: String

    public init(code: ChatErrorCode, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
