/// An index for `MongoConnection.createIndexes(_:on:)`.
public struct MongoIndex: Sendable, Hashable {
    /// The key specification, in order, such as `["tenant": 1, "createdAt": -1]`.
    public var keys: BSONDocument
    public var name: String
    public var unique: Bool
    /// Only documents matching this filter are indexed (`partialFilterExpression`).
    public var partialFilter: BSONDocument?
    public var collation: BSONDocument?
    /// Makes a TTL index on a date field.
    public var expireAfterSeconds: Int?

    public init(
        keys: BSONDocument, name: String, unique: Bool = false, partialFilter: BSONDocument? = nil, collation: BSONDocument? = nil,
        expireAfterSeconds: Int? = nil
    ) {
        self.keys = keys
        self.name = name
        self.unique = unique
        self.partialFilter = partialFilter
        self.collation = collation
        self.expireAfterSeconds = expireAfterSeconds
    }

    /// The entry of the `createIndexes` command's `indexes` list.
    var specification: BSONDocument {
        var specification: BSONDocument = ["key": .document(keys), "name": .string(name)]
        if unique { specification["unique"] = true }
        if let partialFilter { specification["partialFilterExpression"] = .document(partialFilter) }
        if let collation { specification["collation"] = .document(collation) }
        if let expireAfterSeconds { specification["expireAfterSeconds"] = .int64(Int64(expireAfterSeconds)) }
        return specification
    }
}
