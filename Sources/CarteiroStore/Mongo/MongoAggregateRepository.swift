import CarteiroDomain
import Foundation
import MongoKit

/// Aggregates as documents whose `_id` is the aggregate id, with the indexed values under
/// `_idx` (a single-valued field as a string, a multi-valued one as an array) so both backends
/// index from the same `IndexedField` description.
struct MongoAggregateRepository<Root: StoredAggregate>: AggregateRepository {
    let database: MongoDatabase

    func insert(_ aggregate: Root, events: [DomainEvent]) async throws -> Root {
        var copy = aggregate
        copy.version = 1
        let stored = copy
        let document = try Self.document(for: stored)
        do {
            try await database.write(appendsEvents: !events.isEmpty) { connection, session in
                try connection.insertOne(document, into: Root.collection, session: session)
                _ = try MongoEventLog.append(events, connection: connection, session: session)
            }
        } catch let error as StoreError where error.isDuplicate {
            throw try await duplicateError(error, aggregate: stored)
        }
        return stored
    }

    func insertMany(_ aggregates: [Root]) async throws {
        guard !aggregates.isEmpty else { return }
        let documents = try aggregates.map { aggregate in
            var stored = aggregate
            stored.version = 1
            return try Self.document(for: stored)
        }
        do {
            try await database.write(appendsEvents: true) { connection, session in
                _ = try connection.insertMany(documents, into: Root.collection, session: session)
            }
        } catch let error as StoreError where error.isDuplicate {
            throw StoreError(.duplicate, "\(Root.collection): \(error.message)")
        }
    }

    func get(_ id: Root.ID) async throws -> Root? {
        try await database.run { connection in
            try connection.findOne(["_id": .string(id.rawValue)], in: Root.collection).map(Self.aggregate(from:))
        }
    }

    func update(_ aggregate: Root, events: [DomainEvent]) async throws -> Root {
        var copy = aggregate
        copy.version = aggregate.version + 1
        let stored = copy
        let replacement = try Self.document(for: stored)
        let expected = aggregate.version
        do {
            try await database.write(appendsEvents: !events.isEmpty) { connection, session in
                try Self.replace(stored.id, with: replacement, expectedVersion: expected, connection, session)
                _ = try MongoEventLog.append(events, connection: connection, session: session)
            }
        } catch let error as StoreError where error.isDuplicate {
            throw try await duplicateError(error, aggregate: stored)
        }
        return stored
    }

    func find(_ field: String, equals value: String, page: PageRequest) async throws -> Page<Root> {
        guard Root.indexedFields.contains(where: { $0.name == field }) else {
            throw StoreError(.invalidConfiguration, "\(Root.collection) has no index on \(field)")
        }
        var query = Self.equality(field, value)
        if let cursor = page.cursor { query["_id"] = ["$gt": .string(cursor)] }
        let filter = query
        return try await self.page(filter: filter, limit: page.limit)
    }

    func find(_ field: String, anyOf values: [String]) async throws -> [Root] {
        guard Root.indexedFields.contains(where: { $0.name == field }) else {
            throw StoreError(.invalidConfiguration, "\(Root.collection) has no index on \(field)")
        }
        let distinct = Array(Set(values))
        guard !distinct.isEmpty else { return [] }
        return try await database.run { connection in
            var found: [String: Root] = [:]
            // Bounded commands (MongoDB's 16 MB limit), whatever the number of values.
            for start in stride(from: 0, to: distinct.count, by: 1000) {
                let chunk = distinct[start..<min(start + 1000, distinct.count)]
                let filter: BSONDocument = ["_idx.\(field)": ["$in": .array(chunk.map(BSON.string))]]
                for document in try connection.find(filter, in: Root.collection) {
                    let aggregate = try Self.aggregate(from: document)
                    found[aggregate.id.rawValue] = aggregate
                }
            }
            return found.values.sorted { $0.id < $1.id }
        }
    }

    func count(_ field: String, equals value: String) async throws -> Int {
        guard Root.indexedFields.contains(where: { $0.name == field }) else {
            throw StoreError(.invalidConfiguration, "\(Root.collection) has no index on \(field)")
        }
        return try await database.run { connection in
            try connection.countDocuments(filter: Self.equality(field, value), in: Root.collection)
        }
    }

    func list(page: PageRequest) async throws -> Page<Root> {
        var query: BSONDocument = [:]
        if let cursor = page.cursor { query["_id"] = ["$gt": .string(cursor)] }
        let filter = query
        return try await self.page(filter: filter, limit: page.limit)
    }

    func count() async throws -> Int {
        try await database.run { connection in try connection.countDocuments(filter: [:], in: Root.collection) }
    }

    func delete(_ id: Root.ID, events: [DomainEvent]) async throws -> Bool {
        try await database.write(appendsEvents: !events.isEmpty) { connection, session in
            let removed = try connection.deleteMany(filter: ["_id": .string(id.rawValue)], in: Root.collection, session: session)
            guard removed == 1 else { return false }
            _ = try MongoEventLog.append(events, connection: connection, session: session)
            return true
        }
    }

    private func page(filter: BSONDocument, limit: Int) async throws -> Page<Root> {
        try await database.run { connection in
            let documents = try connection.find(filter, in: Root.collection, sort: ["_id": 1], limit: limit + 1)
            let items = try documents.prefix(limit).map(Self.aggregate(from:))
            return Page(items: items, nextCursor: documents.count > limit ? items.last?.id.rawValue : nil)
        }
    }

    /// Replaces the stored document with `replacement` when it is still at `expectedVersion`.
    static func replace(
        _ id: Root.ID, with replacement: BSONDocument, expectedVersion expected: Int, _ connection: MongoConnection, _ session: MongoSession?
    ) throws {
        let reply = try connection.runCommand(
            [
                "update": .string(Root.collection),
                "updates": [["q": ["_id": .string(id.rawValue), "version": .int64(Int64(expected))], "u": .document(replacement)]],
            ], session: session)
        if let writeErrors = reply["writeErrors"]?.arrayValue, let first = writeErrors.first?.documentValue {
            let code = first["code"]?.int64Value ?? 0
            let message = first["errmsg"]?.stringValue ?? "write error \(code)"
            throw StoreError(code == 11000 || code == 11001 ? .duplicate : .unavailable, message)
        }
        guard (reply["n"]?.int64Value ?? 0) == 1 else {
            let current = try connection.findOne(["_id": .string(id.rawValue)], in: Root.collection, session: session)
            guard let current else { throw StoreError(.notFound, "\(Root.collection) \(id) does not exist") }
            throw StoreError(
                .conflict, "\(Root.collection) \(id) is at version \(current["version"]?.int64Value ?? -1), not \(expected): someone else updated it")
        }
    }

    /// The filter "indexed `field` holds `value`". A multi-valued field is an array: `{$in: [value]}`
    /// matches an element, as equality does in MongoDB (whose planner rewrites a one-element $in
    /// to equality on the same multikey index); nx-27017, the test server, finds nothing by
    /// equality on an indexed array.
    static func equality(_ field: String, _ value: String) -> BSONDocument {
        let multiValued = Root.indexedFields.contains { $0.name == field && $0.multiValued }
        return ["_idx.\(field)": multiValued ? ["$in": [.string(value)]] : .string(value)]
    }

    static func document(for aggregate: Root) throws -> BSONDocument {
        var document = try BSONEncoder().encode(aggregate)
        document["_id"] = .string(aggregate.id.rawValue)
        document["version"] = .int64(Int64(aggregate.version))
        var index = BSONDocument()
        for field in Root.indexedFields {
            let values = field.values(aggregate)
            if field.multiValued {
                index[field.name] = .array(values.map(BSON.string))
            } else if let value = values.first {
                index[field.name] = .string(value)
            }
        }
        document["_idx"] = .document(index)
        return document
    }

    static func aggregate(from document: BSONDocument) throws -> Root {
        do {
            return try BSONDecoder().decode(Root.self, from: document)
        } catch {
            throw StoreError(.corrupt, "a stored \(Root.collection) document does not decode: \(error)")
        }
    }

    /// Names the unique field another aggregate already holds. Servers word duplicate-key
    /// messages differently, so ask rather than parse: one look-up per unique field, on failure only.
    private func duplicateError(_ error: StoreError, aggregate: Root) async throws -> StoreError {
        let uniqueFields = Root.indexedFields.filter(\.unique).compactMap { field in field.values(aggregate).first.map { (field.name, $0) } }
        let id = aggregate.id.rawValue
        let taken = try await database.run { connection in
            try uniqueFields.first { name, value in
                try connection.findOne(["_idx.\(name)": .string(value), "_id": ["$ne": .string(id)]], in: Root.collection) != nil
            }
        }
        if let (field, value) = taken { return StoreError(.duplicate, "\(field) '\(value)' is already taken", field: field) }
        return StoreError(.duplicate, "\(Root.collection) \(aggregate.id) already exists (\(error.message))", field: "id")
    }
}
