import CarteiroDomain
import CarteiroUseCases
import Foundation
import HTTPTypes

extension APIHandlers {
    func listInboxMessages(_ input: Operations.ListInboxMessages.Input) async throws -> Operations.ListInboxMessages.Output {
        let request = try pageRequest(limit: input.query.limit, cursor: input.query.cursor)
        let page: Page<InboxMessage>
        switch (input.query.kind, input.query.contactId) {
        case (_, let contact?):
            let found = try await store.inboxMessages.find("contact", equals: contact, page: request)
            // A kind given too filters this page (a contact has few messages).
            page = Page(items: found.items.filter { input.query.kind == nil || $0.kind.rawValue == input.query.kind?.rawValue }, nextCursor: found.nextCursor)
        case (let kind?, nil):
            page = try await store.inboxMessages.find("kind", equals: kind.rawValue, page: request)
        case (nil, nil):
            page = try await store.inboxMessages.list(page: request)
        }
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.InboxMessage.init), nextCursor: page.nextCursor))))
    }

    func reclassifyInboxMessage(_ input: Operations.ReclassifyInboxMessage.Input) async throws -> Operations.ReclassifyInboxMessage.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        guard let kind = InboxMessage.Kind(rawValue: body.kind.rawValue) else { throw APIError.invalid("kind", "unknown kind") }
        do {
            let message = try await ReclassifyInboxMessage(store: store).run(InboxMessageID(rawValue: input.path.messageId), as: kind)
            return .ok(.init(body: .json(.init(message))))
        } catch ReclassifyInboxMessage.Failure.notFound {
            throw APIError.notFound("inbox message", input.path.messageId)
        } catch ReclassifyInboxMessage.Failure.sameKind {
            throw APIError.conflict("the message is \(kind.rawValue) already", field: "kind")
        }
    }
}

extension Components.Schemas.InboxMessage {
    init(_ message: InboxMessage) {
        self.init(
            id: message.id.rawValue, mailbox: message.mailbox, uidValidity: Int(message.uidValidity), uid: Int(message.uid),
            messageId: message.messageID, from: message.from, subject: message.subject, receivedAt: message.receivedAt,
            kind: .init(rawValue: message.kind.rawValue) ?? .other, action: .init(rawValue: message.action.rawValue) ?? .ignored,
            contactId: message.contactID?.rawValue, detail: message.detail, replyText: message.replyText,
            previousKinds: message.previousKinds.compactMap { .init(rawValue: $0.rawValue) })
    }
}
