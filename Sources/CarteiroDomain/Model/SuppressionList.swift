/// The addresses that must never receive mail (unsubscribed, bounced or complained contacts, and
/// the hashes of erased ones), loaded with one indexed query per suppressed status rather than
/// one lookup per recipient.
public struct SuppressionList: Sendable {
    public private(set) var addresses: Set<String>
    /// `EmailAddress.erasureHash` of every erased contact's address.
    public private(set) var erasedHashes: Set<String>

    public init(addresses: Set<String> = [], erasedHashes: Set<String> = []) {
        self.addresses = addresses
        self.erasedHashes = erasedHashes
    }

    public static func load(from contacts: any AggregateRepository<Contact>) async throws -> SuppressionList {
        var addresses = Set<String>()
        var erasedHashes = Set<String>()
        for status in Contact.Status.allCases where status.isSuppressed {
            var cursor: String?
            repeat {
                let page = try await contacts.find("status", equals: status.rawValue, page: try PageRequest(limit: 1000, cursor: cursor))
                for contact in page.items {
                    if let hash = contact.erasedAddressHash {
                        erasedHashes.insert(hash)
                    } else {
                        addresses.insert(contact.email.canonical)
                    }
                }
                cursor = page.nextCursor
            } while cursor != nil
        }
        return SuppressionList(addresses: addresses, erasedHashes: erasedHashes)
    }

    public func contains(_ address: EmailAddress) -> Bool {
        addresses.contains(address.canonical) || (!erasedHashes.isEmpty && erasedHashes.contains(address.erasureHash))
    }

    public var isEmpty: Bool { addresses.isEmpty && erasedHashes.isEmpty }
}
