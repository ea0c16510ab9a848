/// The durable log of a conversation's messages, one entry per message keyed by
/// (conversation, sequence). A message is stored here before it is acknowledged or delivered.
public protocol ChatMessageLog: Sendable {
    /// Stores `message` at its sequence with `events` in the same transaction.
    ///
    /// If that sequence of the conversation is taken, throws `StoreError` of kind `conflict` and
    /// stores nothing: this is how two processes never both answer one message (the loser sees
    /// the conflict). If the conversation already has a message with the same non-nil
    /// `clientMessageID`, returns the stored one (an idempotent resend): no new entry, no events.
    func append(_ message: ChatMessage, events: [DomainEvent]) async throws -> ChatMessage
    /// Stores a whole turn in one transaction: its messages, the conversation as the turn leaves
    /// it (written only if the stored conversation is still at `turn.previous.version`), and the
    /// events. All or nothing.
    ///
    /// Throws `StoreError` of kind `conflict` when a sequence is taken or the conversation moved
    /// on, and `notFound` when the conversation does not exist. When the first message's non-nil
    /// `clientMessageID` is already stored, stores nothing and returns `.resent` with the stored
    /// message.
    func appendTurn(_ turn: ChatTurn) async throws -> ChatTurn.Outcome
    /// Messages with sequence > `after`, ascending, at most `limit`.
    func messages(in conversation: ConversationID, after sequence: Int, limit: Int) async throws -> [ChatMessage]
    /// Highest stored sequence (0 when none).
    func lastSequence(in conversation: ConversationID) async throws -> Int
}

/// A customer message, the answers to it, and the conversation after them, stored together so
/// that no process sees the message without its answer or the answer without the state it left.
public struct ChatTurn: Sendable {
    public enum Outcome: Sendable {
        /// Everything was stored: the messages, and the conversation at its new version.
        case stored([ChatMessage], Conversation)
        /// The first message's client id was stored before: this is the stored message.
        case resent(ChatMessage)
    }

    /// Consecutive entries of the conversation, the customer's first.
    public var messages: [ChatMessage]
    /// The conversation as it was read for this turn.
    public var previous: Conversation
    /// The conversation as the turn leaves it (its `version` is still `previous.version`).
    public var conversation: Conversation
    public var events: [DomainEvent]

    public init(messages: [ChatMessage], previous: Conversation, conversation: Conversation, events: [DomainEvent]) {
        self.messages = messages
        self.previous = previous
        self.conversation = conversation
        self.events = events
    }
}
