public import CarteiroDomain

/// Which recipients of a claimed batch of bulk mail must get nothing now: their contact became
/// unsubscribed, bounced, complained, declined or erased after the send was accepted (the
/// acceptance left out those suppressed then). Asked once per batch, so that nothing reaches an
/// address moments after it unsubscribed, whatever was queued before.
public struct SuppressionCheck: Sendable {
    private let contacts: any AggregateRepository<Contact>

    public init(contacts: any AggregateRepository<Contact>) {
        self.contacts = contacts
    }

    /// The canonical addresses among `recipients` that are suppressed.
    public func suppressed(_ recipients: [EmailAddress]) async throws -> Set<String> {
        guard !recipients.isEmpty else { return [] }
        let addresses = Array(Set(recipients.map(\.canonical)))
        var suppressed = Set(try await contacts.find("email", anyOf: addresses).filter(\.status.isSuppressed).map(\.email.canonical))
        // An erased contact keeps only the hash of its address.
        let byHash = Dictionary(recipients.map { ($0.erasureHash, $0.canonical) }, uniquingKeysWith: { first, _ in first })
        for erased in try await contacts.find("erased", anyOf: Array(byHash.keys)) {
            if let hash = erased.erasedAddressHash, let address = byHash[hash] { suppressed.insert(address) }
        }
        return suppressed
    }
}
