/// Storage of one kind of aggregate, with optimistic concurrency and a transactional outbox:
/// the events given to a write are appended to the event log in the same transaction.
public protocol AggregateRepository<Root>: Sendable {
    associatedtype Root: StoredAggregate

    /// Stores a new aggregate; returns it at version 1. A taken unique field is a `duplicate`.
    func insert(_ aggregate: Root, events: [DomainEvent]) async throws -> Root
    /// Inserts many new aggregates in one write; all or none.
    func insertMany(_ aggregates: [Root]) async throws
    func get(_ id: Root.ID) async throws -> Root?
    /// Stores `aggregate` if its `version` is still the stored one; returns it at the next version.
    /// Otherwise nothing is written and a `conflict` is thrown.
    func update(_ aggregate: Root, events: [DomainEvent]) async throws -> Root
    /// Aggregates whose indexed `field` holds `value`, in identifier order.
    func find(_ field: String, equals value: String, page: PageRequest) async throws -> Page<Root>
    /// Aggregates whose indexed `field` holds any of `values`, each once, in identifier order:
    /// one look-up for a batch (an import's addresses) instead of one per value. Any number of
    /// values; the backends split long lists.
    func find(_ field: String, anyOf values: [String]) async throws -> [Root]
    /// All aggregates in identifier order.
    func list(page: PageRequest) async throws -> Page<Root>
    func count() async throws -> Int
    /// How many aggregates hold `value` in their indexed `field` (a list's members), from the index.
    func count(_ field: String, equals value: String) async throws -> Int
    /// Removes the aggregate, its index entries and nothing else, appending `events` in the same
    /// write; false when there was none.
    func delete(_ id: Root.ID, events: [DomainEvent]) async throws -> Bool
}

extension AggregateRepository {
    public func insert(_ aggregate: Root) async throws -> Root { try await insert(aggregate, events: []) }
    public func update(_ aggregate: Root) async throws -> Root { try await update(aggregate, events: []) }
    public func delete(_ id: Root.ID) async throws -> Bool { try await delete(id, events: []) }

    /// The one aggregate holding `value` in a unique field.
    public func findUnique(_ field: String, _ value: String) async throws -> Root? {
        try await find(field, equals: value, page: try PageRequest(limit: 1)).items.first
    }
}

extension AggregateRepository where Root == Contact {
    public func find(email: EmailAddress) async throws -> Contact? { try await findUnique("email", email.canonical) }
}
