import CarteiroDomain
import Foundation
import GRDB

/// Aggregates as JSON documents in a table of their own, with their indexed fields in the
/// shared `index_entries` table (unique fields enforced there by a partial unique index).
struct SQLiteAggregateRepository<Root: StoredAggregate>: AggregateRepository {
    let database: SQLiteDatabase

    private var table: String { Root.collection }

    func insert(_ aggregate: Root, events: [DomainEvent]) async throws -> Root {
        var stored = aggregate
        stored.version = 1
        let toStore = stored
        // Encoded off the writer queue, which every write of the process shares.
        let body = try StoreCoding.makeEncoder().encode(toStore)
        let appendsEvents = !events.isEmpty
        let events = try SQLiteEventLog.EncodedEvents(events)
        try await database.write(appendsEvents: appendsEvents) { db in
            try Self.insertRow(toStore, body: body, in: db)
            _ = try SQLiteEventLog.append(events, in: db)
        }
        return stored
    }

    func insertMany(_ aggregates: [Root]) async throws {
        let stored = aggregates.map { aggregate in
            var copy = aggregate
            copy.version = 1
            return copy
        }
        let encoder = StoreCoding.makeEncoder()
        let rows = try stored.map { ($0, try encoder.encode($0)) }
        try await database.write { db in
            for (aggregate, body) in rows { try Self.insertRow(aggregate, body: body, in: db) }
        }
    }

    private static func insertRow(_ aggregate: Root, body: Data, in db: Database) throws {
        do {
            try db.cachedStatement(sql: "INSERT INTO \(Root.collection) (id, version, body) VALUES (?, ?, ?)")
                .execute(arguments: [aggregate.id.rawValue, aggregate.version, body])
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StoreError(.duplicate, "\(Root.collection) \(aggregate.id) already exists", field: "id")
        }
        try insertIndexEntries(of: aggregate, in: db)
    }

    /// Only the entries whose values changed are deleted and inserted: most updates change none,
    /// and every entry rewritten is a page more for the commit to write.
    private static func updateIndexEntries(of aggregate: Root, in db: Database) throws {
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT field, value FROM index_entries WHERE collection = ? AND id = ?"),
            arguments: [Root.collection, aggregate.id.rawValue])
        let stored = Set(rows.map { IndexEntry(field: $0["field"], value: $0["value"]) })
        let wanted = Set(Root.indexedFields.flatMap { field in field.values(aggregate).map { IndexEntry(field: field.name, value: $0) } })
        let delete = try db.cachedStatement(sql: "DELETE FROM index_entries WHERE collection = ? AND field = ? AND value = ? AND id = ?")
        for entry in stored.subtracting(wanted) {
            try delete.execute(arguments: [Root.collection, entry.field, entry.value, aggregate.id.rawValue])
        }
        try insertIndexEntries(of: aggregate, in: db, only: wanted.subtracting(stored))
    }

    private struct IndexEntry: Hashable {
        let field: String
        let value: String
    }

    private static func insertIndexEntries(of aggregate: Root, in db: Database, only entries: Set<IndexEntry>? = nil) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO index_entries (collection, field, value, id, is_unique) VALUES (?, ?, ?, ?, ?)")
        for field in Root.indexedFields {
            for value in Set(field.values(aggregate)) where entries?.contains(IndexEntry(field: field.name, value: value)) ?? true {
                do {
                    try statement.execute(arguments: [Root.collection, field.name, value, aggregate.id.rawValue, field.unique])
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw StoreError(.duplicate, "\(field.name) '\(value)' is already taken", field: field.name)
                }
            }
        }
    }

    func get(_ id: Root.ID) async throws -> Root? {
        try await database.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT version, body FROM \(Root.collection) WHERE id = ?"), arguments: [id.rawValue])
                .map { try Self.decode($0, decoder: StoreCoding.makeDecoder()) }
        }
    }

    func update(_ aggregate: Root, events: [DomainEvent]) async throws -> Root {
        var stored = aggregate
        stored.version = aggregate.version + 1
        let toStore = stored
        let body = try StoreCoding.makeEncoder().encode(toStore)
        let appendsEvents = !events.isEmpty
        let events = try SQLiteEventLog.EncodedEvents(events)
        try await database.write(appendsEvents: appendsEvents) { db in
            try Self.updateRow(toStore, body: body, expectedVersion: aggregate.version, in: db)
            _ = try SQLiteEventLog.append(events, in: db)
        }
        return stored
    }

    /// Replaces the stored row with `aggregate` (already at its new version) when the stored one
    /// is still at `expectedVersion`, and its changed index entries. `previous`, the aggregate as
    /// stored at `expectedVersion`, saves reading the index entries when no indexed value changed.
    static func updateRow(_ aggregate: Root, body: Data, expectedVersion: Int, replacing previous: Root? = nil, in db: Database) throws {
        try db.cachedStatement(sql: "UPDATE \(Root.collection) SET version = ?, body = ? WHERE id = ? AND version = ?")
            .execute(arguments: [aggregate.version, body, aggregate.id.rawValue, expectedVersion])
        guard db.changesCount == 1 else {
            let current = try Int.fetchOne(
                db, sql: "SELECT version FROM \(Root.collection) WHERE id = ?", arguments: [aggregate.id.rawValue])
            guard let current else { throw StoreError(.notFound, "\(Root.collection) \(aggregate.id) does not exist") }
            throw StoreError(
                .conflict, "\(Root.collection) \(aggregate.id) is at version \(current), not \(expectedVersion): someone else updated it")
        }
        if let previous, indexValues(of: previous) == indexValues(of: aggregate) { return }
        try updateIndexEntries(of: aggregate, in: db)
    }

    private static func indexValues(of aggregate: Root) -> [[String]] { Root.indexedFields.map { $0.values(aggregate) } }

    func find(_ field: String, equals value: String, page: PageRequest) async throws -> Page<Root> {
        guard Root.indexedFields.contains(where: { $0.name == field }) else {
            throw StoreError(.invalidConfiguration, "\(Root.collection) has no index on \(field)")
        }
        return try await database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.version, a.body FROM index_entries e JOIN \(Root.collection) a ON a.id = e.id
                    WHERE e.collection = ? AND e.field = ? AND e.value = ? AND e.id > ?
                    ORDER BY e.id LIMIT ?
                    """, arguments: [Root.collection, field, value, page.cursor ?? "", page.limit + 1])
            return try Self.page(rows, limit: page.limit)
        }
    }

    func find(_ field: String, anyOf values: [String]) async throws -> [Root] {
        guard Root.indexedFields.contains(where: { $0.name == field }) else {
            throw StoreError(.invalidConfiguration, "\(Root.collection) has no index on \(field)")
        }
        let distinct = Array(Set(values))
        guard !distinct.isEmpty else { return [] }
        return try await database.read { db in
            let decoder = StoreCoding.makeDecoder()
            var found: [String: Root] = [:]
            // Well under SQLite's limit of bound parameters per statement.
            for start in stride(from: 0, to: distinct.count, by: 500) {
                let chunk = distinct[start..<min(start + 500, distinct.count)]
                let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT DISTINCT a.id, a.version, a.body FROM index_entries e JOIN \(Root.collection) a ON a.id = e.id
                            WHERE e.collection = ? AND e.field = ? AND e.value IN (\(placeholders))
                            """), arguments: StatementArguments([Root.collection, field] + chunk))
                for row in rows {
                    let id: String = row["id"]
                    if found[id] == nil { found[id] = try Self.decode(row, decoder: decoder) }
                }
            }
            return found.values.sorted { $0.id < $1.id }
        }
    }

    func count(_ field: String, equals value: String) async throws -> Int {
        guard Root.indexedFields.contains(where: { $0.name == field }) else {
            throw StoreError(.invalidConfiguration, "\(Root.collection) has no index on \(field)")
        }
        return try await database.read { db in
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT count(*) FROM index_entries WHERE collection = ? AND field = ? AND value = ?"),
                arguments: [Root.collection, field, value]) ?? 0
        }
    }

    func list(page: PageRequest) async throws -> Page<Root> {
        try await database.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT version, body FROM \(Root.collection) WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [page.cursor ?? "", page.limit + 1])
            return try Self.page(rows, limit: page.limit)
        }
    }

    func count() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(Root.collection)") ?? 0 }
    }

    func delete(_ id: Root.ID, events: [DomainEvent]) async throws -> Bool {
        let appendsEvents = !events.isEmpty
        let events = try SQLiteEventLog.EncodedEvents(events)
        return try await database.write(appendsEvents: appendsEvents) { db in
            try db.cachedStatement(sql: "DELETE FROM \(Root.collection) WHERE id = ?").execute(arguments: [id.rawValue])
            guard db.changesCount == 1 else { return false }
            try db.cachedStatement(sql: "DELETE FROM index_entries WHERE collection = ? AND id = ?").execute(arguments: [Root.collection, id.rawValue])
            _ = try SQLiteEventLog.append(events, in: db)
            return true
        }
    }

    private static func page(_ rows: [Row], limit: Int) throws -> Page<Root> {
        let decoder = StoreCoding.makeDecoder()
        let items = try rows.prefix(limit).map { try decode($0, decoder: decoder) }
        return Page(items: items, nextCursor: rows.count > limit ? items.last?.id.rawValue : nil)
    }

    private static func decode(_ row: Row, decoder: JSONDecoder) throws -> Root {
        let body: Data = row["body"]
        do {
            var aggregate = try decoder.decode(Root.self, from: body)
            aggregate.version = row["version"]
            return aggregate
        } catch {
            throw StoreError(.corrupt, "a stored \(Root.collection) document does not decode: \(error)")
        }
    }
}
