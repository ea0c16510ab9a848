/// One write of `MongoConnection.bulkWrite(_:in:ordered:session:)`.
public enum MongoWriteModel: Sendable, Hashable {
    case insert(BSONDocument)
    case updateOne(filter: BSONDocument, update: BSONDocument, upsert: Bool)
    case updateMany(filter: BSONDocument, update: BSONDocument, upsert: Bool)
    case deleteOne(filter: BSONDocument)
    case deleteMany(filter: BSONDocument)
}

/// What a bulk write did.
public struct MongoBulkResult: Sendable, Hashable {
    public var insertedCount: Int
    public var matchedCount: Int
    public var modifiedCount: Int
    public var deletedCount: Int
    public var upsertedCount: Int
    /// The `_id` of each upserted document, by the index of its write model.
    public var upsertedIDs: [Int: BSON]

    public init(
        insertedCount: Int = 0, matchedCount: Int = 0, modifiedCount: Int = 0, deletedCount: Int = 0, upsertedCount: Int = 0,
        upsertedIDs: [Int: BSON] = [:]
    ) {
        self.insertedCount = insertedCount
        self.matchedCount = matchedCount
        self.modifiedCount = modifiedCount
        self.deletedCount = deletedCount
        self.upsertedCount = upsertedCount
        self.upsertedIDs = upsertedIDs
    }

    /// Reads libmongoc's bulk reply (`nInserted`, `nMatched`, …, `upserted`).
    init(reply: BSONDocument) {
        var upsertedIDs: [Int: BSON] = [:]
        for entry in reply["upserted"]?.arrayValue ?? [] {
            guard let entry = entry.documentValue, let index = entry["index"]?.intValue, let id = entry["_id"] else { continue }
            upsertedIDs[index] = id
        }
        self.init(
            insertedCount: reply["nInserted"]?.intValue ?? 0,
            matchedCount: reply["nMatched"]?.intValue ?? 0,
            modifiedCount: reply["nModified"]?.intValue ?? 0,
            deletedCount: reply["nRemoved"]?.intValue ?? 0,
            upsertedCount: reply["nUpserted"]?.intValue ?? 0,
            upsertedIDs: upsertedIDs)
    }
}
