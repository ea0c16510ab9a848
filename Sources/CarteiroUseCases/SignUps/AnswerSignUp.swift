public import CarteiroDomain
public import Foundation

/// The use case "the person answered a sign-up's confirmation": by a reply (SIM/NÃO) or by the
/// confirm link's button. The contact is confirmed, with a consent record, or declined, and
/// `contact.confirmed` / `contact.declined` is written with it.
///
/// Run twice (a watcher that stopped between the two writes and read the reply again), it
/// finishes what was left and changes nothing else: the contact is written first, and a
/// contact already in the answer's status is not written again.
public struct AnswerSignUp: Sendable {
    public enum Answer: String, Sendable {
        case confirm, decline
    }

    /// What proves the answer.
    public struct Evidence: Sendable {
        public var method: Contact.Consent.Method
        /// The reply's Message-ID, or what else identifies the answer (`link <token>`).
        public var reference: String
        /// The text the person typed (a reply's, without the quoted original).
        public var text: String?

        public init(method: Contact.Consent.Method, reference: String, text: String? = nil) {
            self.method = method
            self.reference = reference
            self.text = text
        }
    }

    public enum Outcome: Sendable, Equatable {
        case confirmed(ContactID)
        case declined(ContactID)
        /// The sign-up was answered before (or replaced by a newer one): nothing changed.
        case alreadyAnswered(SignUpID, SignUp.Status)
        /// The contact is gone, or in a status the answer cannot change (it complained since).
        case contactUnavailable(SignUpID)
    }

    private let store: any Store

    public init(store: any Store) { self.store = store }

    /// The sign-up a reply is about: by the token in an address it was sent to, else by a
    /// Message-ID it refers to (In-Reply-To, References), else by its sender having one pending.
    public func match(tokens: [String], referencedMessageIDs: [String], sender: EmailAddress?) async throws -> SignUp? {
        for token in tokens {
            if let signUp = try await store.signUps.findUnique("token", token) { return signUp }
        }
        for messageID in referencedMessageIDs {
            if let signUp = try await store.signUps.findUnique("message", messageID) { return signUp }
        }
        if let sender { return try await store.signUps.findUnique("pending_email", sender.canonical) }
        return nil
    }

    public func run(_ signUp: SignUp, _ answer: Answer, evidence: Evidence, now: Date = Date()) async throws -> Outcome {
        // Read again: the caller's copy may be stale.
        guard var signUp = try await store.signUps.get(signUp.id) else { return .contactUnavailable(signUp.id) }
        let target: SignUp.Status = answer == .confirm ? .confirmed : .declined
        guard signUp.status == .pending else { return .alreadyAnswered(signUp.id, signUp.status) }
        guard var contact = try await store.contacts.get(signUp.contactID) else { return .contactUnavailable(signUp.id) }
        let decided = EventPayload.ContactConfirmed(contactID: contact.id, email: contact.email, evidence: evidence.reference)
        switch (answer, contact.status) {
        case (.confirm, .pending):
            try contact.confirm(Contact.Consent(at: now, method: evidence.method, evidence: evidence.reference, text: evidence.text))
            _ = try await store.contacts.update(contact, events: [DomainEvent(occurredAt: now, payload: .contactConfirmed(decided))])
        case (.decline, .pending):
            try contact.move(to: .declined, at: now)
            _ = try await store.contacts.update(contact, events: [DomainEvent(occurredAt: now, payload: .contactDeclined(decided))])
        case (.confirm, .confirmed), (.decline, .declined):
            // Written by an earlier run that stopped before the sign-up's answer.
            break
        default:
            return .contactUnavailable(signUp.id)
        }
        try signUp.answer(target, at: now)
        _ = try await store.signUps.update(signUp)
        return answer == .confirm ? .confirmed(contact.id) : .declined(contact.id)
    }
}
