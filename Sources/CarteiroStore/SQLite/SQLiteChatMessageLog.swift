import CarteiroDomain
import Foundation
import GRDB

/// Chat messages as rows keyed by (conversation, sequence), the message itself as a JSON body.
///
/// Writes run in the store's IMMEDIATE transactions, so the look-up of a resent client message
/// and the insert that follows it see the same database: no other writer comes in between.
struct SQLiteChatMessageLog: ChatMessageLog {
    let database: SQLiteDatabase

    func append(_ message: ChatMessage, events: [DomainEvent]) async throws -> ChatMessage {
        // Encoded and decoded off the writer queue, which every write of the process shares.
        let body = try StoreCoding.makeEncoder().encode(message)
        let appendsEvents = !events.isEmpty
        let events = try SQLiteEventLog.EncodedEvents(events)
        let stored = try await database.write(appendsEvents: appendsEvents) { db -> Data in
            if let clientMessageID = message.clientMessageID,
                let stored = try Data.fetchOne(
                    db, sql: "SELECT body FROM chat_messages WHERE conversation_id = ? AND client_message_id = ?",
                    arguments: [message.conversationID.rawValue, clientMessageID])
            {
                return stored
            }
            do {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO chat_messages (conversation_id, sequence, id, client_message_id, body, created_at_ms)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    message.conversationID.rawValue, message.sequence, message.id.rawValue, message.clientMessageID, body,
                    StoreCoding.milliseconds(message.createdAt),
                ])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                // The client id was checked above in this transaction, so only the sequence can collide.
                throw StoreError(.conflict, "conversation \(message.conversationID) already has a message at sequence \(message.sequence)")
            }
            _ = try SQLiteEventLog.append(events, in: db)
            return body
        }
        // Decoded from what was stored, so the caller sees the millisecond dates a later read gives.
        return try Self.message(from: stored)
    }

    func messages(in conversation: ConversationID, after sequence: Int, limit: Int) async throws -> [ChatMessage] {
        guard limit > 0 else { return [] }
        return try await database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT body FROM chat_messages WHERE conversation_id = ? AND sequence > ? ORDER BY sequence LIMIT ?",
                arguments: [conversation.rawValue, sequence, limit]
            ).map(Self.message(from:))
        }
    }

    func lastSequence(in conversation: ConversationID) async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(
                db, sql: "SELECT max(sequence) FROM chat_messages WHERE conversation_id = ?", arguments: [conversation.rawValue]) ?? 0
        }
    }

    private static func message(from row: Row) throws -> ChatMessage { try message(from: row["body"] as Data) }

    private static func message(from body: Data) throws -> ChatMessage {
        do {
            return try StoreCoding.makeDecoder().decode(ChatMessage.self, from: body)
        } catch {
            throw StoreError(.corrupt, "a stored chat message does not decode: \(error)")
        }
    }
}
