import CarteiroDomain
import CarteiroUseCases
import Foundation
import HTTPTypes
import OpenAPIRuntime

extension APIHandlers {
    func searchContacts(_ input: Operations.SearchContacts.Input) async throws -> Operations.SearchContacts.Output {
        let query = input.query
        var filter = SearchContacts.Filter()
        if let email = query.email { filter.email = try EmailAddress(email) }
        filter.status = try query.status.map(Self.status)
        filter.tag = query.tag
        filter.listID = query.listId.map(ContactListID.init(rawValue:))
        if let attribute = query.attribute { filter.attribute = try SearchContacts.Filter.attribute(parsing: attribute) }
        filter.createdAfter = query.createdAfter
        filter.createdBefore = query.createdBefore
        let page = try await SearchContacts(store: store).search(filter, page: try PageRequest(limit: query.limit ?? 100, cursor: query.cursor))
        return .ok(.init(body: .json(.init(items: page.items.map(Self.contact), nextCursor: page.nextCursor))))
    }

    func createContact(_ input: Operations.CreateContact.Input) async throws -> Operations.CreateContact.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        let fields = ContactFields(
            email: body.email, name: body.name.map { .some($0) }, locale: body.locale, timezone: body.timezone,
            status: try body.status.map { try Self.status($0.rawValue) }, tags: body.tags,
            attributes: try Self.attributes(body.attributes))
        do {
            let contact = try await SaveContact(store: store).create(fields, evidence: Self.evidence)
            return .created(.init(body: .json(Self.contact(contact))))
        } catch let error as ContactError {
            throw APIError(error)
        }
    }

    func importContacts(_ input: Operations.ImportContacts.Input) async throws -> Operations.ImportContacts.Output {
        guard case .csv(let body) = input.body else { throw APIError.badRequest("expected text/csv") }
        // The body limit middleware has bounded it (50 MB).
        let bytes = try await [UInt8](collecting: body, upTo: .max)
        let mode: ImportContacts.Mode = input.query.mode == .skipExisting ? .skipExisting : .upsert
        let report: ImportContacts.Report
        do {
            report = try await ImportContacts(store: store).run(
                csv: bytes, mode: mode, listID: input.query.listId.map(ContactListID.init(rawValue:)),
                evidence: "import by token \(APICaller.token?.name ?? "unknown")")
        } catch let error as ContactError {
            throw APIError(error)
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        rows: report.rows, created: report.created, updated: report.updated, skipped: report.skipped, failed: report.failed,
                        errors: report.errors.map { .init(row: $0.row, column: $0.column, reason: $0.reason) }))))
    }

    func exportContacts(_ input: Operations.ExportContacts.Input) async throws -> Operations.ExportContacts.Output {
        var filter = SearchContacts.Filter()
        filter.status = try input.query.status.map(Self.status)
        filter.tag = input.query.tag
        if let listID = input.query.listId {
            guard try await store.contactLists.get(ContactListID(rawValue: listID)) != nil else { throw APIError.notFound("list", listID) }
            filter.listID = ContactListID(rawValue: listID)
        }
        let chunks = ExportContacts(store: store, filter: filter)
        return .ok(.init(body: .csv(HTTPBody(chunks, length: .unknown, iterationBehavior: .single))))
    }

    func getContact(_ input: Operations.GetContact.Input) async throws -> Operations.GetContact.Output {
        guard let contact = try await store.contacts.get(ContactID(rawValue: input.path.contactId)) else {
            throw APIError.notFound("contact", input.path.contactId)
        }
        return .ok(.init(body: .json(Self.contact(contact))))
    }

    func updateContact(_ input: Operations.UpdateContact.Input) async throws -> Operations.UpdateContact.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        let fields = ContactFields(
            email: body.email, name: body.name.map { .some($0) }, locale: body.locale, timezone: body.timezone,
            status: try body.status.map { try Self.status($0.rawValue) }, tags: body.tags, attributes: try Self.attributes(body.attributes),
            removeAttributes: body.removeAttributes ?? [], version: body.version)
        do {
            guard let contact = try await SaveContact(store: store).update(ContactID(rawValue: input.path.contactId), fields, evidence: Self.evidence)
            else { throw APIError.notFound("contact", input.path.contactId) }
            return .ok(.init(body: .json(Self.contact(contact))))
        } catch let error as ContactError {
            throw APIError(error)
        }
    }

    func eraseContact(_ input: Operations.EraseContact.Input) async throws -> Operations.EraseContact.Output {
        guard try await EraseContact(store: store).erase(ContactID(rawValue: input.path.contactId)) else {
            throw APIError.notFound("contact", input.path.contactId)
        }
        return .noContent(.init())
    }
}

extension APIHandlers {
    /// Consent evidence for a contact confirmed through the API: the token that did it.
    static var evidence: String { "api token \(APICaller.token?.name ?? "unknown")" }

    static func status(_ raw: some RawRepresentable<String>) throws -> Contact.Status { try status(raw.rawValue) }

    static func status(_ raw: String) throws -> Contact.Status {
        guard let status = Contact.Status(rawValue: raw) else { throw APIError.invalid("status", "unknown status '\(raw)'") }
        return status
    }

    static func contact(_ contact: Contact) -> Components.Schemas.Contact {
        Components.Schemas.Contact(
            id: contact.id.rawValue, email: contact.status == .erased ? "" : contact.email.value, name: contact.name, locale: contact.locale,
            timezone: contact.timezone, status: Components.Schemas.ContactStatus(rawValue: contact.status.rawValue) ?? .pending,
            tags: contact.plainTags, attributes: attributes(contact.attributes), listIds: contact.listIDs.map(\.rawValue),
            consent: contact.consent.map { consent in
                .init(at: consent.at, method: .init(rawValue: consent.method.rawValue) ?? .api, evidence: consent.evidence)
            }, createdAt: contact.createdAt, updatedAt: contact.updatedAt, version: contact.version)
    }

    static func attributes(_ attributes: [String: AttributeValue]) -> Components.Schemas.Attributes {
        Components.Schemas.Attributes(
            additionalProperties: attributes.mapValues { value in
                switch value {
                case .string(let text): .case1(text)
                case .number(let number): .case2(number)
                case .boolean(let flag): .case3(flag)
                case .date(let text): .DateValue(.init(date: text))
                }
            })
    }

    static func attributes(_ attributes: Components.Schemas.Attributes?) throws -> [String: AttributeValue] {
        guard let attributes else { return [:] }
        guard attributes.additionalProperties.count <= 100 else { throw APIError.invalid("attributes", "at most 100 attributes") }
        return try attributes.additionalProperties.mapValues { value in
            switch value {
            case .case1(let text):
                guard text.utf8.count <= 2000 else { throw APIError.invalid("attributes", "a string attribute holds at most 2000 bytes") }
                return .string(text)
            case .case2(let number): return try .number(checking: number, field: "attributes")
            case .case3(let flag): return .boolean(flag)
            case .DateValue(let date): return try .date(checking: date.date, field: "attributes")
            }
        }
    }
}

extension APIError {
    init(_ error: ContactError) {
        switch error.kind {
        case .invalid: self = .invalid(error.field ?? "body", error.message)
        case .erasedAddress: self.init(.conflict, code: "erased", error.message, field: error.field)
        case .notFound: self.init(.notFound, code: "not_found", error.message, field: error.field)
        }
    }
}
