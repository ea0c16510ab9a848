import CarteiroDomain
import Foundation
import GRDB

/// Chat messages as rows keyed by (conversation, sequence), the message itself as a JSON body.
///
/// Writes run in the store's IMMEDIATE transactions: no other writer comes in between. A customer
/// message is inserted first and its stored twin looked up only when the client id's unique
/// index refuses it (a resend is rare; the look-up on every message cost an index search).
struct SQLiteChatMessageLog: ChatMessageLog {
    let database: SQLiteDatabase

    func append(_ message: ChatMessage, events: [DomainEvent]) async throws -> ChatMessage {
        // Encoded and decoded off the writer queue, which every write of the process shares.
        let body = ChatMessageEncoder.encode(message)
        let appendsEvents = !events.isEmpty
        let events = try SQLiteEventLog.EncodedEvents(events)
        let stored = try await database.write(appendsEvents: appendsEvents) { db -> Data in
            if let resent = try Self.insertUnlessResent(message, body: body, in: db) { return resent }
            _ = try SQLiteEventLog.append(events, in: db)
            return body
        }
        // Decoded from what was stored, so the caller sees the millisecond dates a later read gives.
        return try Self.message(from: stored)
    }

    func appendTurn(_ turn: ChatTurn) async throws -> ChatTurn.Outcome {
        guard let first = turn.messages.first else { throw StoreError(.invalidConfiguration, "a chat turn needs a message") }
        let bodies = turn.messages.map(ChatMessageEncoder.encode)
        var conversation = turn.conversation
        conversation.version += 1
        let updated = conversation
        let conversationBody = ConversationEncoder.encode(updated)
        let events = try SQLiteEventLog.EncodedEvents(turn.events)
        let resent = try await database.write(appendsEvents: true) { db -> Data? in
            if let resent = try Self.insertUnlessResent(first, body: bodies[0], in: db) { return resent }
            for (message, body) in zip(turn.messages, bodies).dropFirst() { try Self.insert(message, body: body, in: db) }
            try SQLiteAggregateRepository<Conversation>.updateRow(
                updated, body: conversationBody, expectedVersion: turn.previous.version, replacing: turn.previous, in: db)
            _ = try SQLiteEventLog.append(events, in: db)
            return nil
        }
        if let resent { return .resent(try Self.message(from: resent)) }
        // What a later read gives: the bodies store dates in whole milliseconds.
        let decoder = StoreCoding.makeDecoder()
        let messages = try zip(turn.messages, bodies).map { message, body in
            StoreCoding.isWholeMilliseconds(message.createdAt) ? message : try decoder.decode(ChatMessage.self, from: body)
        }
        return .stored(messages, updated)
    }

    private static func storedBody(clientMessageID: String?, of conversation: ConversationID, in db: Database) throws -> Data? {
        guard let clientMessageID else { return nil }
        return try Data.fetchOne(
            db.cachedStatement(sql: "SELECT body FROM chat_messages WHERE conversation_id = ? AND client_message_id = ?"),
            arguments: [conversation.rawValue, clientMessageID])
    }

    /// Inserts `message`, or returns the body stored under its client id (a resend), inserting nothing.
    private static func insertUnlessResent(_ message: ChatMessage, body: Data, in db: Database) throws -> Data? {
        do {
            try insert(message, body: body, in: db)
            return nil
        } catch let error as StoreError where error.isConflict && message.clientMessageID != nil {
            // The failed statement alone was undone; the transaction goes on.
            if let resent = try storedBody(clientMessageID: message.clientMessageID, of: message.conversationID, in: db) { return resent }
            throw error
        }
    }

    private static func insert(_ message: ChatMessage, body: Data, in db: Database) throws {
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
            // The sequence is taken, or the client id (see insertUnlessResent).
            throw StoreError(.conflict, "conversation \(message.conversationID) already has a message at sequence \(message.sequence)")
        }
    }

    func messages(in conversation: ConversationID, after sequence: Int, limit: Int) async throws -> [ChatMessage] {
        guard limit > 0 else { return [] }
        return try await database.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT body FROM chat_messages WHERE conversation_id = ? AND sequence > ? ORDER BY sequence LIMIT ?"),
                arguments: [conversation.rawValue, sequence, limit]
            ).map(Self.message(from:))
        }
    }

    func lastSequence(in conversation: ConversationID) async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT max(sequence) FROM chat_messages WHERE conversation_id = ?"), arguments: [conversation.rawValue]) ?? 0
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
