public import CarteiroChatProtocol

/// What a chat session tells its user interface, in order.
public enum SessionEvent: Sendable, Equatable {
    /// A connection is up and `welcome` came (`resumed` when it continues an earlier connection).
    case connected(conversationID: String?, resumed: Bool)
    /// A server frame, de-duplicated: a frame with a sequence already seen is not passed on.
    case frame(ServerFrame)
    /// The connection dropped; the session reconnects after `retryIn`.
    case disconnected(reason: String, retryIn: Duration)
}
