public import CarteiroDomain
public import Foundation

/// The use cases "add a contact" and "change a contact": checks the fields, refuses an address
/// that was erased, records consent for a contact confirmed by its caller, and writes through the
/// contact repository (a taken address is the store's `duplicate`, a stale version its `conflict`).
public struct SaveContact: Sendable {
    private let contacts: any AggregateRepository<Contact>

    public init(store: any Store) { contacts = store.contacts }

    /// Adds a contact. `evidence` names who confirmed it when `fields.status` is `confirmed`.
    public func create(_ fields: ContactFields, consent method: Contact.Consent.Method = .api, evidence: String, now: Date = Date()) async throws
        -> Contact
    {
        guard let text = fields.email else { throw ValidationError(field: "email", reason: "is required") }
        let address = try ContactAddress(parsing: text)
        if try await isErased(address.email) { throw ContactError.erased() }
        let status = fields.status ?? .pending
        guard status == .pending || status == .confirmed else {
            throw ValidationError(field: "status", reason: "a new contact is pending or confirmed")
        }
        var attributes: [String: AttributeValue] = [:]
        for (name, value) in fields.attributes {
            try ContactFields.checkAttributeName(name)
            attributes[name] = value
        }
        let name: String? = fields.name ?? address.displayName
        let contact = try Contact(
            email: address.email, name: name, locale: fields.locale ?? "pt-BR", timezone: fields.timezone ?? "America/Sao_Paulo",
            status: status, tags: try ContactFields.checkTags(fields.tags ?? []), attributes: attributes,
            consent: status == .confirmed ? Contact.Consent(at: now, method: method, evidence: evidence) : nil, createdAt: now)
        let signedUp = DomainEvent(
            occurredAt: now,
            payload: .contactSignedUp(.init(contactID: contact.id, email: contact.email, locale: contact.locale, source: method.rawValue)))
        return try await contacts.insert(contact, events: [signedUp])
    }

    /// Applies the fields given to the stored contact; nil when there is none.
    public func update(_ id: ContactID, _ fields: ContactFields, evidence: String, now: Date = Date()) async throws -> Contact? {
        guard var contact = try await contacts.get(id) else { return nil }
        if let version = fields.version, version != contact.version {
            throw StoreError(.conflict, "contact \(id) is at version \(contact.version), not \(version)")
        }
        guard contact.status != .erased else { throw TransitionError(entity: "contact", from: "erased", to: "changed") }
        if let text = fields.email {
            let address = try ContactAddress(parsing: text)
            if address.email.canonical != contact.email.canonical, try await isErased(address.email) { throw ContactError.erased() }
            if address.email != contact.email { contact.changeEmail(to: address.email, at: now) }
        }
        if let name = fields.name { contact.name = name?.trimmingWhitespace().isEmpty == false ? name?.trimmingWhitespace() : nil }
        if let locale = fields.locale {
            guard !locale.trimmingWhitespace().isEmpty else { throw ValidationError(field: "locale", reason: "must not be empty") }
            contact.locale = locale
        }
        if let timezone = fields.timezone {
            guard TimeZone(identifier: timezone) != nil else {
                throw ValidationError(field: "timezone", reason: "'\(timezone)' is not an IANA time zone")
            }
            contact.timezone = timezone
        }
        if let tags = fields.tags {
            let memberships = contact.tags.filter { $0.hasPrefix(ContactFields.listTagPrefix) }
            contact.tags = try ContactFields.checkTags(tags).union(memberships)
        }
        for name in fields.removeAttributes { contact.attributes[name] = nil }
        for (name, value) in fields.attributes {
            try ContactFields.checkAttributeName(name)
            contact.attributes[name] = value
        }
        guard contact.attributes.count <= 100 else { throw ValidationError(field: "attributes", reason: "a contact has at most 100 attributes") }
        if let status = fields.status, status != contact.status {
            switch status {
            case .confirmed: try contact.confirm(Contact.Consent(at: now, method: .api, evidence: evidence))
            case .erased: throw ValidationError(field: "status", reason: "erase a contact with DELETE")
            default: try contact.move(to: status, at: now)
            }
        }
        contact.updatedAt = now
        return try await contacts.update(contact)
    }

    private func isErased(_ email: EmailAddress) async throws -> Bool {
        try await contacts.find("erased", equals: email.erasureHash, page: try PageRequest(limit: 1)).items.isEmpty == false
    }
}

/// The use case "erase a contact" (the right to erasure): personal data goes, a hash of the
/// address stays so that it is never mailed again.
public struct EraseContact: Sendable {
    private let contacts: any AggregateRepository<Contact>

    public init(store: any Store) { contacts = store.contacts }

    /// Erases the contact; false when there is none. Erasing an erased contact changes nothing.
    public func erase(_ id: ContactID, now: Date = Date()) async throws -> Bool {
        guard var contact = try await contacts.get(id) else { return false }
        guard contact.status != .erased else { return true }
        try contact.erase(at: now)
        _ = try await contacts.update(contact)
        return true
    }
}
