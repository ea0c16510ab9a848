/// The addresses that must never receive mail (unsubscribed, bounced or complained contacts),
/// loaded with one indexed query per suppressed status rather than one lookup per recipient.
public struct SuppressionList: Sendable {
    public private(set) var addresses: Set<String>

    public init(addresses: Set<String> = []) { self.addresses = addresses }

    public static func load(from contacts: any AggregateRepository<Contact>) async throws -> SuppressionList {
        var addresses = Set<String>()
        for status in Contact.Status.allCases where status.isSuppressed {
            var cursor: String?
            repeat {
                let page = try await contacts.find("status", equals: status.rawValue, page: try PageRequest(limit: 1000, cursor: cursor))
                for contact in page.items { addresses.insert(contact.email.canonical) }
                cursor = page.nextCursor
            } while cursor != nil
        }
        return SuppressionList(addresses: addresses)
    }

    public func contains(_ address: EmailAddress) -> Bool { addresses.contains(address.canonical) }
    public var isEmpty: Bool { addresses.isEmpty }
}
