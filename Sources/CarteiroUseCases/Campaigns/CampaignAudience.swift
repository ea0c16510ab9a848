public import CarteiroDomain
public import Foundation

/// A campaign's audience: the contacts of its lists and segments, each once, as they were when
/// sending started (a contact created later is left out, so that finishing an interrupted start
/// adds no one new). Suppressed addresses are left out by `AcceptSend`.
public struct CampaignAudience: Sendable {
    private let contacts: any AggregateRepository<Contact>
    private let segments: any AggregateRepository<Segment>
    private let audience: SegmentAudience

    public init(store: any Store) {
        contacts = store.contacts
        segments = store.segments
        audience = SegmentAudience(store: store)
    }

    /// The recipients, in identifier order within each source. Template values are the
    /// contact's attributes, as text.
    public func recipients(of campaign: Campaign, asOf cutoff: Date, now: Date = Date()) async throws -> [ContactRecipient] {
        var seen = Set<ContactID>()
        var recipients: [ContactRecipient] = []
        func add(_ contact: Contact) {
            guard contact.createdAt <= cutoff, seen.insert(contact.id).inserted else { return }
            recipients.append(Self.recipient(contact))
        }
        for list in campaign.listIDs {
            var cursor: String?
            repeat {
                let page = try await contacts.find("tag", equals: ContactList.membershipTag(of: list), page: try PageRequest(limit: 1000, cursor: cursor))
                page.items.forEach(add)
                cursor = page.nextCursor
            } while cursor != nil
        }
        for segmentID in campaign.segmentIDs {
            guard let segment = try await segments.get(segmentID) else { throw StoreError(.notFound, "segment \(segmentID) does not exist") }
            try await audience.forEachPage(of: segment.filter, now: now) { page in page.forEach(add) }
        }
        return recipients
    }

    static func recipient(_ contact: Contact) -> ContactRecipient {
        // A line break in a name would make a header the composer refuses; the name is shown, not parsed.
        let name = contact.name.map { $0.split(whereSeparator: \.isNewline).joined(separator: " ") }
        return ContactRecipient(contactID: contact.id, email: contact.email, name: name, variables: contact.attributes.mapValues(\.csvText))
    }
}
