/// A page request: items after `cursor` in the store's stable order (identifier order, which is
/// creation order), at most `limit` of them. Items inserted while paging land after the last page.
public struct PageRequest: Hashable, Sendable {
    public static let maximumLimit = 1000
    public var limit: Int
    public var cursor: String?

    public init(limit: Int = 100, cursor: String? = nil) throws(ValidationError) {
        guard (1...Self.maximumLimit).contains(limit) else {
            throw ValidationError(field: "limit", reason: "must be between 1 and \(Self.maximumLimit)")
        }
        self.limit = limit
        self.cursor = cursor
    }

    public static let first = try! PageRequest()
}

public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// Pass to the next request; nil on the last page.
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
