internal import CMongoC

/// A pooled client, lent by `MongoClientPool.withConnection(_:)` and valid only inside it.
///
/// Every method blocks its thread; the pool runs them on its own threads. Pass a `session` to
/// make an operation part of a transaction started with `withTransaction(_:)`.
public struct MongoConnection {
    // The popped mongoc_client_t; the pool pushes it back when the lending closure returns.
    let client: OpaquePointer
    /// The database operations use unless told otherwise.
    public let databaseName: String
    public let concerns: MongoConcerns

    init(client: OpaquePointer, databaseName: String, concerns: MongoConcerns) {
        self.client = client
        self.databaseName = databaseName
        self.concerns = concerns
    }

    /// Runs a database command, on `database` or the pool's database, and returns the server's reply.
    public func runCommand(_ command: BSONDocument, database: String? = nil, session: MongoSession? = nil) throws(MongoError) -> BSONDocument {
        try command.withBSON { command throws(MongoError) in
            try withOptions([:], session: session) { options throws(MongoError) in
                try withReplyBSON { reply throws(MongoError) in
                    var error = bson_error_t()
                    let succeeded = mongoc_client_command_with_opts(client, database ?? databaseName, command, nil, options, reply, &error)
                    try MongoError.check(succeeded, error, reply: reply)
                    return BSONDocument(bson: reply)
                }
            }
        }
    }

    /// The documents matching `filter`, in `sort` order when given.
    public func find(
        _ filter: BSONDocument, in collection: String, sort: BSONDocument? = nil, limit: Int? = nil, skip: Int? = nil,
        projection: BSONDocument? = nil, session: MongoSession? = nil
    ) throws(MongoError) -> [BSONDocument] {
        var options = BSONDocument()
        if let sort { options["sort"] = .document(sort) }
        if let limit { options["limit"] = .int64(Int64(limit)) }
        if let skip { options["skip"] = .int64(Int64(skip)) }
        if let projection { options["projection"] = .document(projection) }
        return try withCollection(collection) { handle throws(MongoError) in
            try filter.withBSON { filter throws(MongoError) in
                try withOptions(options, session: session) { options throws(MongoError) in
                    guard let cursor = mongoc_collection_find_with_opts(handle, filter, options, nil) else {
                        throw MongoError.unexpectedReply("find returned no cursor", reply: nil)
                    }
                    defer { mongoc_cursor_destroy(cursor) }
                    return try Self.drain(cursor)
                }
            }
        }
    }

    /// The first document matching `filter` in `sort` order, if any.
    public func findOne(
        _ filter: BSONDocument, in collection: String, sort: BSONDocument? = nil, projection: BSONDocument? = nil, session: MongoSession? = nil
    ) throws(MongoError) -> BSONDocument? {
        try find(filter, in: collection, sort: sort, limit: 1, projection: projection, session: session).first
    }

    /// The number of documents matching `filter`.
    public func countDocuments(filter: BSONDocument = [:], in collection: String, session: MongoSession? = nil) throws(MongoError) -> Int {
        try withCollection(collection) { handle throws(MongoError) in
            try filter.withBSON { filter throws(MongoError) in
                try withOptions([:], session: session) { options throws(MongoError) in
                    try withReplyBSON { reply throws(MongoError) in
                        var error = bson_error_t()
                        let count = mongoc_collection_count_documents(handle, filter, options, nil, reply, &error)
                        try MongoError.check(count >= 0, error, reply: reply)
                        return Int(count)
                    }
                }
            }
        }
    }

    /// Runs an aggregation pipeline and returns every result document.
    public func aggregate(_ pipeline: [BSONDocument], in collection: String, session: MongoSession? = nil) throws(MongoError) -> [BSONDocument] {
        try withCollection(collection) { handle throws(MongoError) in
            try pipeline.map { BSON.document($0) }.withBSONArray { pipeline throws(MongoError) in
                try withOptions([:], session: session) { options throws(MongoError) in
                    guard let cursor = mongoc_collection_aggregate(handle, MONGOC_QUERY_NONE, pipeline, options, nil) else {
                        throw MongoError.unexpectedReply("aggregate returned no cursor", reply: nil)
                    }
                    defer { mongoc_cursor_destroy(cursor) }
                    return try Self.drain(cursor)
                }
            }
        }
    }

    /// Creates indexes with the `createIndexes` command (libmongoc 1.23 has no helper for it);
    /// an index that already exists with the same definition is left as it is.
    public func createIndexes(_ indexes: [MongoIndex], on collection: String) throws(MongoError) {
        guard !indexes.isEmpty else { return }
        _ = try runCommand([
            "createIndexes": .string(collection),
            "indexes": .array(indexes.map { .document($0.specification) }),
        ])
    }

    /// Drops a collection; dropping one that does not exist succeeds.
    public func dropCollection(_ collection: String) throws(MongoError) {
        do {
            _ = try runCommand(["drop": .string(collection)])
        } catch  where error.code == 26 {
            // NamespaceNotFound: already gone.
        }
    }

    // MARK: Helpers shared by the operations

    /// Lends a mongoc_collection_t of the pool's database.
    func withCollection<R>(_ name: String, _ body: (OpaquePointer) throws(MongoError) -> R) throws(MongoError) -> R {
        guard let collection = mongoc_client_get_collection(client, databaseName, name) else {
            throw MongoError.invalidDocument("no collection handle for \(name)")
        }
        defer { mongoc_collection_destroy(collection) }
        return try body(collection)
    }

    /// Lends an options bson_t built from `options`, with the session's id appended when there is one.
    func withOptions<R>(_ options: BSONDocument, session: MongoSession?, _ body: (OpaquePointer) throws(MongoError) -> R) throws(MongoError) -> R {
        try options.withBSON { bson throws(MongoError) in
            try session?.append(to: bson)
            return try body(bson)
        }
    }

    /// Reads every document of a cursor, then reports the cursor's error if it ended on one.
    static func drain(_ cursor: OpaquePointer) throws(MongoError) -> [BSONDocument] {
        var documents = [BSONDocument]()
        let scratch = BSONScratch()
        var document: OpaquePointer? = nil
        while mongoc_cursor_next(cursor, &document) {
            if let document { documents.append(BSONDocument(bson: document, scratch: scratch)) }
        }
        var error = bson_error_t()
        var reply: OpaquePointer? = nil
        if mongoc_cursor_error_document(cursor, &error, &reply) {
            try MongoError.check(false, error, reply: reply)
        }
        return documents
    }
}

@available(*, unavailable)
extension MongoConnection: Sendable {}
