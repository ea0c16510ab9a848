/// What an incoming message is, for the inbox watcher: exactly one kind per message.
public enum MessageKind: String, Sendable, Hashable, CaseIterable {
    case confirm
    case decline
    case signup
    case unsubscribe
    case autoReply = "auto_reply"
    case bounce
    case complaint
    case other
}
