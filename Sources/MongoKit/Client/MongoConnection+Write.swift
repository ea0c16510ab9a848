internal import CMongoC

extension MongoConnection {
    /// Inserts one document, giving it a new ObjectId `_id` first when it has none; returns its `_id`.
    @discardableResult
    public func insertOne(_ document: BSONDocument, into collection: String, session: MongoSession? = nil) throws(MongoError) -> BSON {
        let id = document["_id"] ?? .objectID(BSONObjectID())
        let document = document["_id"] == nil ? document.prepending("_id", id) : document
        try withCollection(collection) { handle throws(MongoError) in
            try document.withBSON { document throws(MongoError) in
                try withOptions([:], session: session) { options throws(MongoError) in
                    try withReplyBSON { reply throws(MongoError) in
                        var error = bson_error_t()
                        try MongoError.check(mongoc_collection_insert_one(handle, document, options, reply, &error), error, reply: reply)
                    }
                }
            }
        }
        return id
    }

    /// Inserts documents in one bulk write and returns how many were inserted.
    ///
    /// With `ordered`, the first failure stops the rest; either way a failure throws, and a unique
    /// index violation has `isDuplicateKey` set.
    @discardableResult
    public func insertMany(_ documents: [BSONDocument], into collection: String, ordered: Bool = true, session: MongoSession? = nil)
        throws(MongoError) -> Int
    {
        guard !documents.isEmpty else { return 0 }
        return try bulkWrite(documents.map { .insert($0) }, in: collection, ordered: ordered, session: session).insertedCount
    }

    /// Runs the writes as one bulk operation.
    public func bulkWrite(_ operations: [MongoWriteModel], in collection: String, ordered: Bool = true, session: MongoSession? = nil)
        throws(MongoError) -> MongoBulkResult
    {
        guard !operations.isEmpty else { return MongoBulkResult() }
        return try withCollection(collection) { handle throws(MongoError) in
            try withOptions(["ordered": .bool(ordered)], session: session) { options throws(MongoError) in
                guard let bulk = mongoc_collection_create_bulk_operation_with_opts(handle, options) else {
                    throw MongoError.invalidDocument("could not create a bulk operation")
                }
                defer { mongoc_bulk_operation_destroy(bulk) }
                for operation in operations {
                    try Self.add(operation, to: bulk)
                }
                return try withReplyBSON { reply throws(MongoError) in
                    var error = bson_error_t()
                    let serverID = mongoc_bulk_operation_execute(bulk, reply, &error)
                    let document = BSONDocument(bson: reply)
                    try MongoError.check(serverID != 0, error, reply: document)
                    return MongoBulkResult(reply: document)
                }
            }
        }
    }

    private static func add(_ operation: MongoWriteModel, to bulk: OpaquePointer) throws(MongoError) {
        var error = bson_error_t()
        switch operation {
        case .insert(let document):
            let document = document["_id"] == nil ? document.prepending("_id", .objectID(BSONObjectID())) : document
            try document.withBSON { document throws(MongoError) in
                try MongoError.check(mongoc_bulk_operation_insert_with_opts(bulk, document, nil, &error), error)
            }
        case .updateOne(let filter, let update, let upsert), .updateMany(let filter, let update, let upsert):
            let isMany = if case .updateMany = operation { true } else { false }
            try filter.withBSON { filter throws(MongoError) in
                try update.withBSON { update throws(MongoError) in
                    try (["upsert": .bool(upsert)] as BSONDocument).withBSON { options throws(MongoError) in
                        let succeeded =
                            isMany
                            ? mongoc_bulk_operation_update_many_with_opts(bulk, filter, update, options, &error)
                            : mongoc_bulk_operation_update_one_with_opts(bulk, filter, update, options, &error)
                        try MongoError.check(succeeded, error)
                    }
                }
            }
        case .deleteOne(let filter):
            try filter.withBSON { filter throws(MongoError) in
                try MongoError.check(mongoc_bulk_operation_remove_one_with_opts(bulk, filter, nil, &error), error)
            }
        case .deleteMany(let filter):
            try filter.withBSON { filter throws(MongoError) in
                try MongoError.check(mongoc_bulk_operation_remove_many_with_opts(bulk, filter, nil, &error), error)
            }
        }
    }

    /// Updates the first document matching `filter`.
    public func updateOne(
        filter: BSONDocument, update: BSONDocument, in collection: String, upsert: Bool = false, session: MongoSession? = nil
    ) throws(MongoError) -> (matched: Int, modified: Int, upsertedID: BSON?) {
        try performUpdate(filter: filter, update: update, in: collection, upsert: upsert, many: false, session: session)
    }

    /// Updates every document matching `filter`.
    public func updateMany(
        filter: BSONDocument, update: BSONDocument, in collection: String, upsert: Bool = false, session: MongoSession? = nil
    ) throws(MongoError) -> (matched: Int, modified: Int, upsertedID: BSON?) {
        try performUpdate(filter: filter, update: update, in: collection, upsert: upsert, many: true, session: session)
    }

    private func performUpdate(
        filter: BSONDocument, update: BSONDocument, in collection: String, upsert: Bool, many: Bool, session: MongoSession?
    ) throws(MongoError) -> (matched: Int, modified: Int, upsertedID: BSON?) {
        try withCollection(collection) { handle throws(MongoError) in
            try filter.withBSON { filter throws(MongoError) in
                try update.withBSON { update throws(MongoError) in
                    try withOptions(["upsert": .bool(upsert)], session: session) { options throws(MongoError) in
                        try withReplyBSON { reply throws(MongoError) in
                            var error = bson_error_t()
                            let succeeded =
                                many
                                ? mongoc_collection_update_many(handle, filter, update, options, reply, &error)
                                : mongoc_collection_update_one(handle, filter, update, options, reply, &error)
                            let document = BSONDocument(bson: reply)
                            try MongoError.check(succeeded, error, reply: document)
                            return (document["matchedCount"]?.intValue ?? 0, document["modifiedCount"]?.intValue ?? 0, document["upsertedId"])
                        }
                    }
                }
            }
        }
    }

    /// Deletes every document matching `filter` and returns how many went.
    @discardableResult
    public func deleteMany(filter: BSONDocument, in collection: String, session: MongoSession? = nil) throws(MongoError) -> Int {
        try withCollection(collection) { handle throws(MongoError) in
            try filter.withBSON { filter throws(MongoError) in
                try withOptions([:], session: session) { options throws(MongoError) in
                    try withReplyBSON { reply throws(MongoError) in
                        var error = bson_error_t()
                        let succeeded = mongoc_collection_delete_many(handle, filter, options, reply, &error)
                        let document = BSONDocument(bson: reply)
                        try MongoError.check(succeeded, error, reply: document)
                        return document["deletedCount"]?.intValue ?? 0
                    }
                }
            }
        }
    }

    /// Atomically updates the first document matching `filter` (in `sort` order) and returns it,
    /// as it is after the update when `returnNew`, before it otherwise; `nil` when none matched
    /// and nothing was upserted.
    public func findOneAndUpdate(
        filter: BSONDocument, update: BSONDocument, in collection: String, sort: BSONDocument? = nil, upsert: Bool = false,
        returnNew: Bool = true, session: MongoSession? = nil
    ) throws(MongoError) -> BSONDocument? {
        guard let options = mongoc_find_and_modify_opts_new() else { throw MongoError.invalidDocument("no findAndModify options") }
        defer { mongoc_find_and_modify_opts_destroy(options) }
        var flags = MONGOC_FIND_AND_MODIFY_NONE.rawValue
        if upsert { flags |= MONGOC_FIND_AND_MODIFY_UPSERT.rawValue }
        if returnNew { flags |= MONGOC_FIND_AND_MODIFY_RETURN_NEW.rawValue }
        mongoc_find_and_modify_opts_set_flags(options, mongoc_find_and_modify_flags_t(rawValue: flags))
        // The setters copy their documents.
        try update.withBSON { update throws(MongoError) in
            _ = mongoc_find_and_modify_opts_set_update(options, update)
        }
        if let sort {
            try sort.withBSON { sort throws(MongoError) in
                _ = mongoc_find_and_modify_opts_set_sort(options, sort)
            }
        }
        if session != nil {
            try withOptions([:], session: session) { extra throws(MongoError) in
                _ = mongoc_find_and_modify_opts_append(options, extra)
            }
        }
        return try withCollection(collection) { handle throws(MongoError) in
            try filter.withBSON { filter throws(MongoError) in
                try withReplyBSON { reply throws(MongoError) in
                    var error = bson_error_t()
                    let succeeded = mongoc_collection_find_and_modify_with_opts(handle, filter, options, reply, &error)
                    let document = BSONDocument(bson: reply)
                    try MongoError.check(succeeded, error, reply: document)
                    return document["value"]?.documentValue
                }
            }
        }
    }
}
