import CarteiroDomain
import Foundation
import Logging
import MongoKit

/// The event log in MongoDB. Positions come from a counter document incremented inside the
/// appending transaction: a second appender cannot increment it until the first commits or
/// aborts (write conflict, retried), so positions become visible in increasing order and a
/// reader that has seen position N will never later find a smaller one appear.
struct MongoEventLog: EventLog {
    let database: MongoDatabase

    @discardableResult
    func append(_ events: [DomainEvent]) async throws -> [DomainEvent] {
        guard !events.isEmpty else { return [] }
        return try await database.write(appendsEvents: true) { connection, session in
            try Self.append(events, connection: connection, session: session)
        }
    }

    /// Appends inside the caller's transaction: the outbox half of every state change.
    static func append(_ events: [DomainEvent], connection: MongoConnection, session: MongoSession?) throws -> [DomainEvent] {
        guard !events.isEmpty else { return [] }
        let counter = try connection.findOneAndUpdate(
            filter: ["_id": "events"], update: ["$inc": ["value": .int64(Int64(events.count))]], in: MongoDatabase.countersCollection,
            upsert: true, returnNew: true, session: session)
        guard let last = counter?["value"]?.int64Value else {
            throw MongoStoreError.corrupt("the events counter has no value")
        }
        var appended = events
        let encoder = BSONEncoder()
        var documents: [BSONDocument] = []
        documents.reserveCapacity(events.count)
        for index in appended.indices {
            appended[index].position = last - Int64(events.count) + Int64(index) + 1
            let event = appended[index]
            documents.append([
                "_id": .string(event.id.rawValue),
                "position": .int64(event.position!),
                "kind": .string(event.kind.rawValue),
                "subject": .string(event.subject),
                "occurredAt": .datetime(event.occurredAt.bsonRounded),
                "payload": .document(try encoder.encode(event.payload)),
            ])
        }
        _ = try connection.insertMany(documents, into: MongoDatabase.eventsCollection, session: session)
        return appended
    }

    func read(after position: Int64, limit: Int) async throws -> [DomainEvent] {
        try await database.run { connection in
            try connection.find(
                ["position": ["$gt": .int64(position)]], in: MongoDatabase.eventsCollection, sort: ["position": 1], limit: limit
            ).map(Self.event(from:))
        }
    }

    static func event(from document: BSONDocument) throws -> DomainEvent {
        guard let id = document["_id"]?.stringValue, let position = document["position"]?.int64Value,
            let occurredAt = document["occurredAt"]?.dateValue, let payload = document["payload"]?.documentValue
        else { throw MongoStoreError.corrupt("an event document lacks a field: \(document)") }
        var event = DomainEvent(
            id: EventID(rawValue: id), occurredAt: occurredAt, payload: try BSONDecoder().decode(EventPayload.self, from: payload))
        event.position = position
        return event
    }

    func count(kind: DomainEvent.Kind, from: Date, to: Date) async throws -> Int {
        try await database.run { connection in
            try connection.countDocuments(
                filter: ["kind": .string(kind.rawValue), "occurredAt": ["$gte": .datetime(from.bsonRounded), "$lt": .datetime(to.bsonRounded)]],
                in: MongoDatabase.eventsCollection)
        }
    }

    func lastPosition() async throws -> Int64 {
        try await database.run { connection in
            try connection.find([:], in: MongoDatabase.eventsCollection, sort: ["position": -1], limit: 1).first?["position"]?.int64Value ?? 0
        }
    }

    func checkpoint(of subscriber: String) async throws -> Int64 {
        try await database.run { connection in
            try connection.findOne(["_id": .string(subscriber)], in: MongoDatabase.checkpointsCollection)?["position"]?.int64Value ?? 0
        }
    }

    func saveCheckpoint(_ position: Int64, of subscriber: String) async throws {
        try await database.run { connection in
            // $max: never moves backwards, whichever of two runs of one subscriber writes last.
            _ = try connection.updateOne(
                filter: ["_id": .string(subscriber)], update: ["$max": ["position": .int64(position)]], in: MongoDatabase.checkpointsCollection,
                upsert: true)
        }
    }

    func park(_ event: DomainEvent, subscriber: String, error: String, at date: Date) async throws {
        try await database.run { connection in
            _ = try connection.updateOne(
                filter: ["_id": .string("\(subscriber)|\(event.id.rawValue)")],
                update: [
                    "$set": [
                        "subscriber": .string(subscriber), "eventID": .string(event.id.rawValue), "position": .int64(event.position ?? 0),
                        "error": .string(error), "parkedAt": MongoEmailJobCoding.milliseconds(date),
                    ]
                ], in: MongoDatabase.parkedCollection, upsert: true)
        }
    }

    func parked(subscriber: String) async throws -> [ParkedEvent] {
        try await database.run { connection in
            let parked = try connection.find(
                ["subscriber": .string(subscriber)], in: MongoDatabase.parkedCollection, sort: ["position": 1])
            guard !parked.isEmpty else { return [] }
            let ids = parked.compactMap { $0["eventID"] }
            let events = try connection.find(["_id": ["$in": .array(ids)]], in: MongoDatabase.eventsCollection)
                .map(Self.event(from:))
            let byID = Dictionary(events.map { ($0.id.rawValue, $0) }, uniquingKeysWith: { first, _ in first })
            return parked.compactMap { document in
                guard let eventID = document["eventID"]?.stringValue, let event = byID[eventID] else { return nil }
                return ParkedEvent(
                    event: event, subscriber: subscriber, error: document["error"]?.stringValue ?? "",
                    parkedAt: MongoEmailJobCoding.date(document["parkedAt"]) ?? event.occurredAt)
            }
        }
    }

    func unpark(_ eventID: EventID, subscriber: String) async throws -> ParkedEvent? {
        guard let parked = try await parked(subscriber: subscriber).first(where: { $0.event.id == eventID }) else { return nil }
        try await database.run { connection in
            _ = try connection.deleteMany(filter: ["_id": .string("\(subscriber)|\(eventID.rawValue)")], in: MongoDatabase.parkedCollection)
        }
        return parked
    }

    /// Local appends at once; other processes' appends through a change stream on the events
    /// collection. If the change stream fails (a server without one), readers still poll.
    func appendSignals() -> AsyncStream<Void> {
        let local = database.notifier.signals()
        let changes = database.pool.watch(collection: MongoDatabase.eventsCollection, pipeline: [["$match": ["operationType": "insert"]]])
        let logger = database.logger
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let forwarding = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in local { continuation.yield() }
                }
                group.addTask {
                    do {
                        for try await _ in changes { continuation.yield() }
                    } catch {
                        logger.warning("event change stream ended; falling back to polling", metadata: ["error": "\(error)"])
                    }
                }
                await group.waitForAll()
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in forwarding.cancel() }
        return stream
    }
}

enum MongoStoreError {
    static func corrupt(_ message: String) -> StoreError { StoreError(.corrupt, message) }
}
