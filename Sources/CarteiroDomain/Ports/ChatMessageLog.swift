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
    /// Messages with sequence > `after`, ascending, at most `limit`.
    func messages(in conversation: ConversationID, after sequence: Int, limit: Int) async throws -> [ChatMessage]
    /// Highest stored sequence (0 when none).
    func lastSequence(in conversation: ConversationID) async throws -> Int
}
