import CarteiroDomain
import Foundation
import MongoKit

/// Aggregates as documents whose `_id` is the aggregate id, with the indexed values under
/// `_idx` (a unique field as a string, others as arrays) so both backends index from the same
/// `IndexedField` description.
struct MongoAggregateRepository<Root: StoredAggregate>: AggregateRepository {
    let database: MongoDatabase

    func insert(_ aggregate: Root, events: [DomainEvent]) async throws -> Root {
        var stored = aggregate
        stored.version = 1
        let document = try Self.document(for: stored)
        do {
            try await database.write(appendsEvents: !events.isEmpty) { connection, session in
                try connection.insertOne(document, into: Root.collection, session: session)
                _ = try MongoEventLog.append(events, connection: connection, session: session)
            }
        } catch let error as StoreError where error.isDuplicate {
            throw Self.duplicateError(error, aggregate: stored)
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
            throw StoreError(.duplicate, "\(Root.collection): \(error.message)", field: Self.uniqueField(in: error.message))
        }
    }

    func get(_ id: Root.ID) async throws -> Root? {
        try await database.run { connection in
            try connection.findOne(["_id": .string(id.rawValue)], in: Root.collection).map(Self.aggregate(from:))
        }
    }

    func update(_ aggregate: Root, events: [DomainEvent]) async throws -> Root {
        var stored = aggregate
        stored.version = aggregate.version + 1
        let replacement = try Self.document(for: stored)
        let expected = aggregate.version
        do {
            try await database.write(appendsEvents: !events.isEmpty) { connection, session in
                let reply = try connection.runCommand(
                    [
                        "update": .string(Root.collection),
                        "updates": [["q": ["_id": .string(stored.id.rawValue), "version": .int64(Int64(expected))], "u": .document(replacement)]],
                    ], session: session)
                if let writeErrors = reply["writeErrors"]?.arrayValue, let first = writeErrors.first?.documentValue {
                    let code = first["code"]?.int64Value ?? 0
                    let message = first["errmsg"]?.stringValue ?? "write error \(code)"
                    throw StoreError(code == 11000 || code == 11001 ? .duplicate : .unavailable, message)
                }
                guard (reply["n"]?.int64Value ?? 0) == 1 else {
                    let current = try connection.findOne(["_id": .string(stored.id.rawValue)], in: Root.collection, session: session)
                    guard let current else { throw StoreError(.notFound, "\(Root.collection) \(stored.id) does not exist") }
                    throw StoreError(
                        .conflict,
                        "\(Root.collection) \(stored.id) is at version \(current["version"]?.int64Value ?? -1), not \(expected): someone else updated it")
                }
                _ = try MongoEventLog.append(events, connection: connection, session: session)
            }
        } catch let error as StoreError where error.isDuplicate {
            throw Self.duplicateError(error, aggregate: stored)
        }
        return stored
    }

    func find(_ field: String, equals value: String, page: PageRequest) async throws -> Page<Root> {
        guard Root.indexedFields.contains(where: { $0.name == field }) else {
            throw StoreError(.invalidConfiguration, "\(Root.collection) has no index on \(field)")
        }
        var filter: BSONDocument = ["_idx.\(field)": .string(value)]
        if let cursor = page.cursor { filter["_id"] = ["$gt": .string(cursor)] }
        return try await page(filter: filter, limit: page.limit)
    }

    func list(page: PageRequest) async throws -> Page<Root> {
        var filter: BSONDocument = [:]
        if let cursor = page.cursor { filter["_id"] = ["$gt": .string(cursor)] }
        return try await self.page(filter: filter, limit: page.limit)
    }

    func count() async throws -> Int {
        try await database.run { connection in try connection.countDocuments(filter: [:], in: Root.collection) }
    }

    private func page(filter: BSONDocument, limit: Int) async throws -> Page<Root> {
        try await database.run { connection in
            let documents = try connection.find(filter, in: Root.collection, sort: ["_id": 1], limit: limit + 1)
            let items = try documents.prefix(limit).map(Self.aggregate(from:))
            return Page(items: items, nextCursor: documents.count > limit ? items.last?.id.rawValue : nil)
        }
    }

    static func document(for aggregate: Root) throws -> BSONDocument {
        var document = try BSONEncoder().encode(aggregate)
        document["_id"] = .string(aggregate.id.rawValue)
        document["version"] = .int64(Int64(aggregate.version))
        var index = BSONDocument()
        for field in Root.indexedFields {
            let values = field.values(aggregate)
            if field.unique {
                if let value = values.first { index[field.name] = .string(value) }
            } else {
                index[field.name] = .array(values.map(BSON.string))
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

    private static func uniqueField(in message: String) -> String? {
        Root.indexedFields.first { field in
            field.unique && (message.contains("_idx.\(field.name)") || message.contains("\(field.name)_unique"))
        }?.name
    }

    private static func duplicateError(_ error: StoreError, aggregate: Root) -> StoreError {
        if let field = uniqueField(in: error.message) {
            let value = Root.indexedFields.first { $0.name == field }.flatMap { $0.values(aggregate).first } ?? ""
            return StoreError(.duplicate, "\(field) '\(value)' is already taken", field: field)
        }
        return StoreError(.duplicate, "\(Root.collection) \(aggregate.id) already exists", field: "id")
    }
}
