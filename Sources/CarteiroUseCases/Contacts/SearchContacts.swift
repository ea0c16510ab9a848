public import CarteiroDomain
public import Foundation

/// The use case "find contacts": every filter given must hold. One indexed filter (address,
/// list, tag, status, in that order of preference) chooses the contacts read; the others are
/// checked on each contact read. A request reads at most `scanLimit` contacts, so a page may hold
/// fewer than asked for (even none) and still have a next one.
public struct SearchContacts: Sendable {
    public struct Filter: Sendable, Hashable {
        public var email: EmailAddress?
        public var status: Contact.Status?
        public var tag: String?
        public var listID: ContactListID?
        /// An attribute's name and its value as a CSV cell holds it (`age`, `31`).
        public var attribute: (name: String, text: String)? {
            get { attributeName.map { ($0, attributeText ?? "") } }
            set {
                attributeName = newValue?.name
                attributeText = newValue?.text
            }
        }
        private var attributeName: String?
        private var attributeText: String?
        /// Created at or after.
        public var createdAfter: Date?
        /// Created before.
        public var createdBefore: Date?

        public init() {}

        /// Parses `name:value`.
        public static func attribute(parsing text: String) throws(ValidationError) -> (name: String, text: String) {
            guard let colon = text.firstIndex(of: ":") else {
                throw ValidationError(field: "attribute", reason: "expected name:value")
            }
            let name = String(text[..<colon])
            try ContactFields.checkAttributeName(name, field: "attribute")
            return (name, String(text[text.index(after: colon)...]))
        }

        func matches(_ contact: Contact) -> Bool {
            if let email, contact.status == .erased || contact.email.canonical != email.canonical { return false }
            if let status, contact.status != status { return false }
            if let tag, !contact.tags.contains(tag) { return false }
            if let listID, !contact.tags.contains("\(ContactFields.listTagPrefix)\(listID.rawValue)") { return false }
            if let attributeName, contact.attributes[attributeName]?.csvText != attributeText { return false }
            if let createdAfter, contact.createdAt < createdAfter { return false }
            if let createdBefore, contact.createdAt >= createdBefore { return false }
            return true
        }
    }

    public static let scanLimit = 2_000

    private let contacts: any AggregateRepository<Contact>
    private let scanLimit: Int

    public init(store: any Store, scanLimit: Int = Self.scanLimit) {
        contacts = store.contacts
        self.scanLimit = scanLimit
    }

    public func search(_ filter: Filter, page request: PageRequest) async throws -> Page<Contact> {
        if let email = filter.email {
            // Unique: one look-up answers it all.
            guard request.cursor == nil, let contact = try await contacts.find(email: email), filter.matches(contact) else {
                return Page(items: [], nextCursor: nil)
            }
            return Page(items: [contact], nextCursor: nil)
        }
        let index: (field: String, value: String)? =
            if let listID = filter.listID { ("tag", "\(ContactFields.listTagPrefix)\(listID.rawValue)") } else if let tag = filter.tag {
                ("tag", tag)
            } else if let status = filter.status { ("status", status.rawValue) } else { nil }
        let checksEach =
            filter.attribute != nil || filter.createdAfter != nil || filter.createdBefore != nil
            || [filter.listID != nil, filter.tag != nil, filter.status != nil].filter { $0 }.count > 1
        var items: [Contact] = []
        var cursor = request.cursor
        var scanned = 0
        while true {
            let batch = checksEach ? min(500, scanLimit - scanned) : request.limit
            let pageRequest = try PageRequest(limit: max(1, batch), cursor: cursor)
            let page =
                if let index { try await contacts.find(index.field, equals: index.value, page: pageRequest) } else {
                    try await contacts.list(page: pageRequest)
                }
            for (position, contact) in page.items.enumerated() {
                scanned += 1
                cursor = contact.id.rawValue
                if filter.matches(contact) { items.append(contact) }
                if items.count == request.limit {
                    let more = position < page.items.count - 1 || page.nextCursor != nil
                    return Page(items: items, nextCursor: more ? cursor : nil)
                }
            }
            guard page.nextCursor != nil else { return Page(items: items, nextCursor: nil) }
            if scanned >= scanLimit { return Page(items: items, nextCursor: cursor) }
        }
    }
}
