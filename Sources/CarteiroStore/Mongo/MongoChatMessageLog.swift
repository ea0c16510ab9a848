import CarteiroDomain
import Foundation
import MongoKit

/// Chat messages as documents whose `_id` is the conversation id and the zero-padded sequence,
/// so the primary key itself makes two writers of one sequence collide (duplicate key) on any
/// server. A unique partial index on (conversationID, clientMessageID) makes a resent client
/// message collide too; the duplicate is then told apart by looking the client id up.
///
/// `createdAt` is int64 epoch milliseconds, like the email jobs' times: the same value on every
/// server (nx-27017 turns dates into strings in some writes; MongoDB does not).
struct MongoChatMessageLog: ChatMessageLog {
    let database: MongoDatabase

    private var collection: String { MongoDatabase.chatMessagesCollection }

    func append(_ message: ChatMessage, events: [DomainEvent]) async throws -> ChatMessage {
        let document = try Self.document(for: message)
        if let resent = try await insertUnlessResent([document], first: message, events: events) { return resent }
        return try Self.message(from: document)
    }

    func appendTurn(_ turn: ChatTurn) async throws -> ChatTurn.Outcome {
        guard let first = turn.messages.first else { throw StoreError(.invalidConfiguration, "a chat turn needs a message") }
        let documents = try turn.messages.map(Self.document(for:))
        var conversation = turn.conversation
        conversation.version += 1
        let updated = conversation
        let replacement = try MongoAggregateRepository<Conversation>.document(for: updated)
        let expectedVersion = turn.previous.version
        let resent = try await insertUnlessResent(documents, first: first, events: turn.events) { connection, session in
            try MongoAggregateRepository<Conversation>.replace(updated.id, with: replacement, expectedVersion: expectedVersion, connection, session)
        }
        if let resent { return .resent(resent) }
        return .stored(try documents.map(Self.message(from:)), updated)
    }

    /// Inserts `documents`, runs `alsoWrite` and appends `events` in one write, unless `first`'s
    /// client id is already stored: then writes nothing and returns the stored message.
    private func insertUnlessResent(
        _ documents: [BSONDocument], first: ChatMessage, events: [DomainEvent],
        alsoWrite: (@Sendable (MongoConnection, MongoSession?) throws -> Void)? = nil
    ) async throws -> ChatMessage? {
        let collection = self.collection
        // One insert alone is atomic; anything more needs the transaction a write with events gets.
        let needsTransaction = !events.isEmpty || documents.count > 1 || alsoWrite != nil
        do {
            return try await database.write(appendsEvents: needsTransaction) { connection, session -> ChatMessage? in
                if let stored = try Self.stored(clientMessageID: first.clientMessageID, of: first.conversationID, connection, session) {
                    return stored
                }
                for document in documents { try connection.insertOne(document, into: collection, session: session) }
                try alsoWrite?(connection, session)
                _ = try MongoEventLog.append(events, connection: connection, session: session)
                return nil
            }
        } catch let error as StoreError where error.isDuplicate {
            // A duplicate key is only reported against committed data, so the winner of a race
            // for the same client id is visible now.
            let resent = try await database.run { connection in
                try Self.stored(clientMessageID: first.clientMessageID, of: first.conversationID, connection, nil)
            }
            if let resent { return resent }
            throw StoreError(
                .conflict, "conversation \(first.conversationID) already has a message at sequence \(first.sequence) or after (\(error.message))")
        }
    }

    func messages(in conversation: ConversationID, after sequence: Int, limit: Int) async throws -> [ChatMessage] {
        guard limit > 0 else { return [] }
        let collection = self.collection
        return try await database.run { connection in
            try connection.find(
                ["conversationID": .string(conversation.rawValue), "sequence": ["$gt": .int64(Int64(sequence))]], in: collection,
                sort: ["sequence": 1], limit: limit
            ).map(Self.message(from:))
        }
    }

    func lastSequence(in conversation: ConversationID) async throws -> Int {
        let collection = self.collection
        return try await database.run { connection in
            let last = try connection.find(
                ["conversationID": .string(conversation.rawValue)], in: collection, sort: ["sequence": -1], limit: 1,
                projection: ["sequence": 1]
            ).first
            return Int(last?["sequence"]?.int64Value ?? 0)
        }
    }

    private static func stored(
        clientMessageID: String?, of conversation: ConversationID, _ connection: MongoConnection, _ session: MongoSession?
    ) throws -> ChatMessage? {
        guard let clientMessageID else { return nil }
        return try connection.findOne(
            ["conversationID": .string(conversation.rawValue), "clientMessageID": .string(clientMessageID)],
            in: MongoDatabase.chatMessagesCollection, session: session
        ).map(message(from:))
    }

    static func documentID(_ conversation: ConversationID, sequence: Int) -> String {
        // Zero-padded so that `_id` order is sequence order within a conversation.
        let digits = String(sequence)
        return "\(conversation.rawValue):\(String(repeating: "0", count: max(0, 12 - digits.count)))\(digits)"
    }

    static func document(for message: ChatMessage) throws -> BSONDocument {
        var document = try BSONEncoder().encode(message)
        document["_id"] = .string(documentID(message.conversationID, sequence: message.sequence))
        document["sequence"] = .int64(Int64(message.sequence))
        document["createdAt"] = MongoEmailJobCoding.milliseconds(message.createdAt)
        return document
    }

    static func message(from document: BSONDocument) throws -> ChatMessage {
        var body = document
        body["_id"] = nil
        if let createdAt = MongoEmailJobCoding.date(document["createdAt"]) { body["createdAt"] = .datetime(createdAt) }
        do {
            return try BSONDecoder().decode(ChatMessage.self, from: body)
        } catch {
            throw StoreError(.corrupt, "a stored chat message does not decode: \(error)")
        }
    }
}
