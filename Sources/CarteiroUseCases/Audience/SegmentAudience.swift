public import CarteiroDomain
public import Foundation

/// The contacts a segment filter matches now. Reads through the most selective index the filter
/// allows (one list, a required tag, one status) and checks every condition on each candidate.
public struct SegmentAudience: Sendable {
    private let contacts: any AggregateRepository<Contact>
    /// What engagement conditions read: when each contact was last sent, opened, clicked.
    private let engagement: any EngagementLog

    public init(store: any Store) {
        contacts = store.contacts
        engagement = store.engagement
    }

    public struct Preview: Sendable {
        public let count: Int
        public let sample: [Contact]
    }

    public func preview(_ filter: SegmentFilter, sampleSize: Int = 10, now: Date = Date()) async throws -> Preview {
        var count = 0
        var sample: [Contact] = []
        try await forEachPage(of: filter, now: now) { matching in
            count += matching.count
            sample.append(contentsOf: matching.prefix(max(0, sampleSize - sample.count)))
        }
        return Preview(count: count, sample: sample)
    }

    /// Calls `body` with the matching contacts, a page at a time, in identifier order.
    public func forEachPage(of filter: SegmentFilter, now: Date = Date(), _ body: ([Contact]) async throws -> Void) async throws {
        let index = Self.index(for: filter)
        var cursor: String?
        repeat {
            let request = try PageRequest(limit: 1000, cursor: cursor)
            let page =
                if let index { try await contacts.find(index.field, equals: index.value, page: request) } else { try await contacts.list(page: request) }
            // Engagement is read for the page's candidates only, and only when the filter asks.
            let recorded = filter.engagement.isEmpty ? [:] : try await engagement.lastEngagement(of: page.items.map(\.id))
            let matching = page.items.filter { contact in
                filter.matches(contact, attribute: { contact.attributes[$0]?.csvText }, recorded: recorded[contact.id], now: now)
            }
            if !matching.isEmpty { try await body(matching) }
            cursor = page.nextCursor
        } while cursor != nil
    }

    /// The indexed field and value every matching contact has, when the filter names one.
    static func index(for filter: SegmentFilter) -> (field: String, value: String)? {
        if filter.listIDs.count == 1, let list = filter.listIDs.first { return ("tag", ContactList.membershipTag(of: list)) }
        if let tag = filter.tagsAll.sorted().first { return ("tag", tag) }
        if filter.statuses.count == 1, let status = filter.statuses.first { return ("status", status.rawValue) }
        return nil
    }
}
