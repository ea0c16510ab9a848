import CarteiroDomain
import Foundation
import GRDB

struct SQLiteEventLog: EventLog {
    let database: SQLiteDatabase

    @discardableResult
    func append(_ events: [DomainEvent]) async throws -> [DomainEvent] {
        guard !events.isEmpty else { return [] }
        return try await database.write(appendsEvents: true) { db in try Self.append(events, in: db) }
    }

    /// Events with their payloads already encoded: encoded before a write, so the writer queue,
    /// which every write of the process shares, only inserts them.
    struct EncodedEvents: Sendable {
        fileprivate let events: [DomainEvent]
        fileprivate let payloads: [Data]

        init(_ events: [DomainEvent]) throws {
            var encoder = EventPayloadEncoder()
            self.events = events
            self.payloads = try events.map { try encoder.encode($0.payload) }
        }
    }

    /// Appends inside the caller's transaction: the outbox half of every state change.
    static func append(_ events: [DomainEvent], in db: Database) throws -> [DomainEvent] {
        guard !events.isEmpty else { return [] }
        return try append(EncodedEvents(events), in: db)
    }

    static func append(_ encoded: EncodedEvents, in db: Database) throws -> [DomainEvent] {
        guard !encoded.events.isEmpty else { return [] }
        let statement = try db.cachedStatement(
            sql: "INSERT INTO events (id, kind, subject, occurred_at, payload) VALUES (?, ?, ?, ?, ?)")
        var appended = encoded.events
        for index in appended.indices {
            let event = appended[index]
            try statement.execute(arguments: [
                event.id.rawValue, event.kind.rawValue, event.subject, StoreCoding.milliseconds(event.occurredAt), encoded.payloads[index],
            ])
            appended[index].position = db.lastInsertedRowID
        }
        return appended
    }

    func read(after position: Int64, limit: Int) async throws -> [DomainEvent] {
        try await database.read { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT position, id, occurred_at, payload FROM events WHERE position > ? ORDER BY position LIMIT ?"),
                arguments: [position, limit])
            let decoder = StoreCoding.makeDecoder()
            return try rows.map { row in try Self.event(from: row, decoder: decoder) }
        }
    }

    static func event(from row: Row, decoder: JSONDecoder) throws -> DomainEvent {
        let payload: Data = row["payload"]
        var event = DomainEvent(
            id: EventID(rawValue: row["id"]), occurredAt: StoreCoding.date(milliseconds: row["occurred_at"]),
            payload: try EventPayloadDecoder.decode(payload, decoder: decoder))
        event.position = row["position"]
        return event
    }

    func count(kind: DomainEvent.Kind, from: Date, to: Date) async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM events WHERE kind = ? AND occurred_at >= ? AND occurred_at < ?",
                arguments: [kind.rawValue, StoreCoding.milliseconds(from), StoreCoding.milliseconds(to)]) ?? 0
        }
    }

    func lastPosition() async throws -> Int64 {
        try await database.read { db in try Int64.fetchOne(db, sql: "SELECT coalesce(max(position), 0) FROM events") ?? 0 }
    }

    func checkpoint(of subscriber: String) async throws -> Int64 {
        try await database.read { db in
            try Int64.fetchOne(db, sql: "SELECT position FROM subscriber_checkpoints WHERE subscriber = ?", arguments: [subscriber]) ?? 0
        }
    }

    func saveCheckpoint(_ position: Int64, of subscriber: String) async throws {
        try await database.write { db in
            // Never moves backwards: two runs of one subscriber must not lose each other's progress.
            try db.execute(
                sql: """
                    INSERT INTO subscriber_checkpoints (subscriber, position) VALUES (?, ?)
                    ON CONFLICT (subscriber) DO UPDATE SET position = max(position, excluded.position)
                    """, arguments: [subscriber, position])
        }
    }

    func park(_ event: DomainEvent, subscriber: String, error: String, at date: Date) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO parked_events (subscriber, event_id, position, error, parked_at) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [subscriber, event.id.rawValue, event.position ?? 0, error, StoreCoding.milliseconds(date)])
        }
    }

    func parked(subscriber: String) async throws -> [ParkedEvent] {
        try await database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.position, e.id, e.occurred_at, e.payload, p.error, p.parked_at
                    FROM parked_events p JOIN events e ON e.id = p.event_id
                    WHERE p.subscriber = ? ORDER BY e.position
                    """, arguments: [subscriber])
            let decoder = StoreCoding.makeDecoder()
            return try rows.map { row in
                ParkedEvent(
                    event: try Self.event(from: row, decoder: decoder), subscriber: subscriber, error: row["error"],
                    parkedAt: StoreCoding.date(milliseconds: row["parked_at"]))
            }
        }
    }

    func unpark(_ eventID: EventID, subscriber: String) async throws -> ParkedEvent? {
        let parked = try await parked(subscriber: subscriber).first { $0.event.id == eventID }
        guard let parked else { return nil }
        try await database.write { db in
            try db.execute(
                sql: "DELETE FROM parked_events WHERE subscriber = ? AND event_id = ?", arguments: [subscriber, eventID.rawValue])
        }
        return parked
    }

    func appendSignals() -> AsyncStream<Void> { database.notifier.signals() }
}
