public import CarteiroDomain
import CarteiroMIME
import CarteiroMail
public import Foundation

/// The use case "someone asks to join" (by chat, form or email): a pending contact and a
/// sign-up, and the confirmation email on the transactional stream, ahead of any campaign.
///
/// Nothing is lost or sent twice when it is interrupted: a sign-up stored without its
/// confirmation recorded is replaced by the next request, and a request for an address whose
/// confirmation went out less than `repeatWindow` ago sends nothing more.
public struct RequestSignUp: Sendable {
    public struct Request: Sendable {
        public var email: EmailAddress
        public var name: String?
        public var locale: String?
        public var source: SignUp.Source
        public var conversationID: ConversationID?
        public var lists: [ContactListID]
        public var attributes: [String: AttributeValue]

        public init(
            email: EmailAddress, name: String? = nil, locale: String? = nil, source: SignUp.Source, conversationID: ConversationID? = nil,
            lists: [ContactListID] = [], attributes: [String: AttributeValue] = [:]
        ) {
            self.email = email
            self.name = name
            self.locale = locale
            self.source = source
            self.conversationID = conversationID
            self.lists = lists
            self.attributes = attributes
        }
    }

    public enum Outcome: Sendable, Equatable {
        /// The confirmation was accepted for sending.
        case confirmationSent(SignUpID)
        /// A confirmation went to this address moments ago; nothing more was sent.
        case confirmationRecentlySent(SignUpID)
        /// The contact is confirmed already.
        case alreadyConfirmed(ContactID)
        /// The address may not sign up: it complained of our mail, or was erased.
        case refused(reason: String)
    }

    private let store: any Store
    private let settings: SignUpMailSettings
    public var repeatWindow: TimeInterval = 60

    public init(store: any Store, settings: SignUpMailSettings) {
        self.store = store
        self.settings = settings
    }

    public func run(_ request: Request, now: Date = Date()) async throws -> Outcome {
        if try await store.contacts.findUnique("erased", request.email.erasureHash) != nil {
            return .refused(reason: "the address was erased")
        }
        var contact: Contact
        if let stored = try await store.contacts.find(email: request.email) {
            contact = stored
            switch contact.status {
            case .confirmed: return .alreadyConfirmed(contact.id)
            case .complained, .erased: return .refused(reason: "the address is \(contact.status.rawValue)")
            case .pending: break
            case .declined, .unsubscribed, .bounced:
                // Signing up again: a new double opt-in.
                try contact.move(to: .pending, at: now)
            }
            if contact.name == nil, let name = request.name { contact.name = name }
            for (name, value) in request.attributes where contact.attributes[name] == nil { contact.attributes[name] = value }
            if contact != stored { contact = try await store.contacts.update(contact) }
        } else {
            let new = try Contact(
                email: request.email, name: request.name, locale: request.locale ?? "pt-BR", attributes: request.attributes, createdAt: now)
            do {
                contact = try await store.contacts.insert(new)
            } catch let error as StoreError where error.isDuplicate {
                // The same address signed up at the same moment elsewhere: the other request sends.
                guard let stored = try await store.contacts.find(email: request.email) else { throw error }
                contact = stored
            }
        }
        if !request.lists.isEmpty { try await addToLists(contact, request.lists, now: now) }

        if let pending = try await store.signUps.findUnique("pending_email", request.email.canonical) {
            if pending.confirmationMessageID != nil, now.timeIntervalSince(pending.createdAt) < repeatWindow {
                return .confirmationRecentlySent(pending.id)
            }
            var replaced = pending
            try replaced.answer(.superseded, at: now)
            _ = try await store.signUps.update(replaced)
        }
        // `contact.signed_up` is written with the sign-up: once per confirmation asked for.
        var signUp = try await store.signUps.insert(
            try SignUp(contactID: contact.id, email: request.email, source: request.source, conversationID: request.conversationID, createdAt: now),
            events: [signedUp(contact, request, now)])
        let messageID = try await sendConfirmation(signUp, to: contact, now: now)
        signUp.recordConfirmation(messageID: messageID)
        signUp = try await store.signUps.update(signUp)
        return .confirmationSent(signUp.id)
    }

    private func signedUp(_ contact: Contact, _ request: Request, _ now: Date) -> DomainEvent {
        DomainEvent(
            occurredAt: now,
            payload: .contactSignedUp(
                .init(
                    contactID: contact.id, email: contact.email, locale: contact.locale, source: request.source.rawValue,
                    conversationID: request.conversationID)))
    }

    private func addToLists(_ contact: Contact, _ lists: [ContactListID], now: Date) async throws {
        let membership = ListMembership(store: store)
        for id in lists {
            guard let list = try await store.contactLists.get(id) else { continue }
            _ = try await membership.add([contact.id], to: list, now: now)
        }
    }

    /// Accepts the confirmation as a send of its own on the transactional stream; returns its
    /// Message-ID (the one job's, as the worker will write it).
    private func sendConfirmation(_ signUp: SignUp, to contact: Contact, now: Date) async throws -> String {
        let link = settings.confirmLink(for: signUp.token)
        let message = SignUpConfirmationText.message(locale: contact.locale, withLink: link != nil)
        var variables = ["link": link ?? ""]
        variables["name"] = contact.name ?? ""
        let recipient = ContactRecipient(contactID: contact.id, email: signUp.email, name: contact.name, variables: variables)
        var request = SendRequest(
            from: settings.mailFrom, replyTo: try settings.replyAddress(for: signUp.token), subject: message.subject, textBody: message.text,
            htmlBody: nil, recipients: .contacts([recipient], variables: ["link"]), stream: .transactional)
        request.sendID = SendID(rawValue: "signup-\(signUp.id.rawValue)")
        let send = try await AcceptSend(store: store).accept(try AcceptSend.validate(request, now: now), now: now)
        guard let job = try await store.emailJobs.jobs(sendID: send.id, page: try PageRequest(limit: 1)).items.first else {
            throw SignUpError.confirmationNotQueued(signUp.email)
        }
        return MailComposer.messageID(for: job.id, domain: String(settings.mailFrom.domain))
    }
}

public enum SignUpError: Error, Sendable, CustomStringConvertible {
    /// The confirmation's job was not queued: the address is on the suppression list.
    case confirmationNotQueued(EmailAddress)

    public var description: String {
        switch self {
        case .confirmationNotQueued(let email): "the confirmation to \(email.canonical) was not queued (suppressed address)"
        }
    }
}
