public import CarteiroDomain
public import CarteiroUseCases
public import Foundation
import Logging

/// What a classified message does to the contacts: confirms or declines a sign-up, starts one,
/// unsubscribes, suppresses a bounced or complaining address; auto-replies do nothing, so
/// nothing ever answers a machine (RFC 3834). Every effect is safe to apply twice: a watcher
/// that stopped halfway applies it again and changes nothing more.
public struct InboxActions: Sendable {
    public struct Outcome: Sendable, Equatable {
        public var action: InboxMessage.Action
        public var contactID: ContactID?
        public var detail: String?
        /// The contact's status before this changed it.
        public var statusBefore: Contact.Status? = nil
    }

    /// When temporary bounces suppress an address: `count` of them within `window` (older ones
    /// stop counting). One mailbox full for a day is not a reason to stop writing; three weeks of
    /// deferrals are.
    public struct TemporaryBouncePolicy: Sendable {
        public var count: Int
        public var window: TimeInterval

        public init(count: Int = 3, window: TimeInterval = 14 * 86_400) {
            self.count = count
            self.window = window
        }
    }

    private let store: any Store
    private let signUps: SignUpMailSettings?
    private let temporaryBounces: TemporaryBouncePolicy

    public init(store: any Store, signUps: SignUpMailSettings?, temporaryBounces: TemporaryBouncePolicy = .init()) {
        self.store = store
        self.signUps = signUps
        self.temporaryBounces = temporaryBounces
    }

    /// Applies what `classification` calls for to `record`'s message; `recipient` is the
    /// address it was written to (an email conversation's answers ask for replies there).
    public func apply(_ classification: Classification, to record: InboxMessage, recipient: String?, now: Date = Date()) async throws -> Outcome {
        let messageID = record.messageID
        let sender = classification.email.flatMap { try? EmailAddress($0) }
        switch classification.kind {
        case .confirm, .decline:
            let answers = AnswerSignUp(store: store)
            guard
                let signUp = try await answers.match(
                    tokens: classification.recipientTokens, referencedMessageIDs: classification.referencedMessageIDs, sender: sender)
            else {
                return Outcome(action: .ignored, contactID: nil, detail: "no sign-up matches this reply")
            }
            let evidence = AnswerSignUp.Evidence(
                method: .emailReply, reference: messageID ?? "reply without a Message-ID", text: classification.replyText)
            switch try await answers.run(signUp, classification.kind == .confirm ? .confirm : .decline, evidence: evidence, now: now) {
            case .confirmed(let contact): return Outcome(action: .confirmed, contactID: contact, detail: nil, statusBefore: .pending)
            case .declined(let contact): return Outcome(action: .declined, contactID: contact, detail: nil, statusBefore: .pending)
            case .alreadyAnswered(_, let status):
                return Outcome(action: .ignored, contactID: signUp.contactID, detail: "the sign-up was \(status.rawValue) already")
            case .contactUnavailable:
                return Outcome(action: .ignored, contactID: signUp.contactID, detail: "the contact can no longer be changed by this answer")
            }
        case .signup:
            guard let signUps else { return Outcome(action: .ignored, contactID: nil, detail: "no sign-up address is configured") }
            guard let sender else { return Outcome(action: .ignored, contactID: nil, detail: "no sender address") }
            let request = RequestSignUp.Request(email: sender, name: classification.name, source: .email)
            switch try await RequestSignUp(store: store, settings: signUps).run(request, now: now) {
            case .confirmationSent, .confirmationRecentlySent:
                return Outcome(action: .signedUp, contactID: try await store.contacts.find(email: sender)?.id, detail: nil)
            case .alreadyConfirmed(let contact):
                return Outcome(action: .ignored, contactID: contact, detail: "already confirmed")
            case .refused(let reason):
                return Outcome(action: .ignored, contactID: nil, detail: reason)
            }
        case .unsubscribe:
            guard let sender, var contact = try await store.contacts.find(email: sender) else {
                return Outcome(action: .ignored, contactID: nil, detail: "no contact has the sender's address")
            }
            guard contact.status != .unsubscribed else { return Outcome(action: .unsubscribed, contactID: contact.id, detail: "already") }
            guard contact.status.canMove(to: .unsubscribed) else {
                return Outcome(action: .ignored, contactID: contact.id, detail: "the contact is \(contact.status.rawValue)")
            }
            let before = contact.status
            try contact.move(to: .unsubscribed, at: now)
            let event = DomainEvent(
                occurredAt: now, payload: .contactUnsubscribed(.init(contactID: contact.id, email: contact.email, reason: "email reply")))
            _ = try await store.contacts.update(contact, events: [event])
            _ = try await store.emailJobs.cancelBulk(to: contact.email, at: now)
            return Outcome(action: .unsubscribed, contactID: contact.id, detail: nil, statusBefore: before)
        case .bounce:
            let outcome = try await suppress(classification.bounces, as: .bounced, now: now)
            if outcome.action == .bounced { try await count(.bounce, of: classification.originalMessageID, now: now) }
            return outcome
        case .complaint:
            let outcome = try await suppress(classification.bounces, as: .complained, now: now)
            if outcome.action == .complained { try await count(.complaint, of: classification.originalMessageID, now: now) }
            return outcome
        case .autoReply:
            return Outcome(action: .ignored, contactID: nil, detail: "automatic reply")
        case .other:
            return try await converse(classification, record: record, sender: sender, recipient: recipient, now: now)
        }
    }

    /// A question by email waits for an agent as a conversation of its own; a reply to one
    /// continues it.
    private func converse(_ classification: Classification, record: InboxMessage, sender: EmailAddress?, recipient: String?, now: Date)
        async throws -> Outcome
    {
        guard let sender else { return Outcome(action: .ignored, contactID: nil, detail: "no sender address to answer") }
        let message = EmailConversations.IncomingMessage(
            sender: sender, name: classification.name, subject: record.subject, text: classification.replyText ?? "",
            messageID: record.messageID, referencedMessageIDs: classification.referencedMessageIDs, recipient: recipient, key: record.key)
        let contact = try await store.contacts.find(email: sender)?.id
        switch try await EmailConversations(store: store).receive(message, newConversationID: ConversationID(rawValue: record.id.rawValue), now: now) {
        case .started(let id): return Outcome(action: .conversation, contactID: contact, detail: "conversation \(id) waits for an agent")
        case .continued(let id): return Outcome(action: .conversation, contactID: contact, detail: "continues conversation \(id)")
        case .alreadyReceived(let id): return Outcome(action: .conversation, contactID: contact, detail: "already in conversation \(id)")
        }
    }

    /// Counts a bounce or complaint against the campaign of the message it returned, found by
    /// that message's Message-ID (`jobid@domain`, as the composer writes it).
    private func count(_ kind: EngagementHit.Kind, of messageID: String?, now: Date) async throws {
        guard let messageID, let at = messageID.firstIndex(of: "@") else { return }
        guard let job = try await store.emailJobs.get(EmailJobID(rawValue: String(messageID[..<at]))) else { return }
        try await store.engagement.record(
            [EngagementHit(kind: kind, jobID: job.id, sendID: job.sendID, campaignID: job.campaignID, contactID: job.contactID, at: now)]) { _ in nil }
    }

    /// A permanent bounce makes its contact `bounced`; a complaint `complained`. A temporary
    /// bounce is recorded as `deferred` against its contact, and the one that makes
    /// `temporaryBounces.count` within its window suppresses the contact too.
    private func suppress(_ recipients: [BounceRecipient], as status: Contact.Status, now: Date) async throws -> Outcome {
        var outcome = Outcome(action: .ignored, contactID: nil, detail: recipients.isEmpty ? "the report names no recipient" : nil)
        var details: [String] = []
        for recipient in recipients {
            guard let address = try? EmailAddress(recipient.recipient) else { continue }
            guard var contact = try await store.contacts.find(email: address) else {
                details.append("\(address.canonical): no contact")
                continue
            }
            if status == .bounced, !recipient.permanent {
                let earlier = try await deferrals(of: contact.id, since: now.addingTimeInterval(-temporaryBounces.window))
                guard earlier + 1 >= temporaryBounces.count else {
                    details.append("\(address.canonical) \(recipient.status ?? "") temporary (\(earlier + 1) of \(temporaryBounces.count))")
                    if outcome.action == .ignored {
                        outcome.action = .deferred
                        outcome.contactID = contact.id
                    }
                    continue
                }
                details.append("\(address.canonical): \(earlier + 1) temporary bounces within \(Int(temporaryBounces.window / 86_400)) days")
            }
            outcome.contactID = outcome.contactID ?? contact.id
            if contact.status == status || !contact.status.canMove(to: status) {
                details.append("\(address.canonical) is \(contact.status.rawValue)")
                outcome.action = status == .complained ? .complained : .bounced
                continue
            }
            if outcome.statusBefore == nil, outcome.contactID == contact.id { outcome.statusBefore = contact.status }
            try contact.move(to: status, at: now)
            var events: [DomainEvent] = []
            if status == .bounced {
                events.append(
                    DomainEvent(
                        occurredAt: now,
                        payload: .emailBounced(
                            .init(
                                recipient: address, contactID: contact.id, jobID: nil, status: recipient.status ?? "5.0.0",
                                reason: "bounce report", permanent: true))))
            }
            _ = try await store.contacts.update(contact, events: events)
            _ = try await store.emailJobs.cancelBulk(to: address, at: now)
            details.append("\(address.canonical) \(recipient.status ?? "") \(status.rawValue)")
            outcome.action = status == .complained ? .complained : .bounced
        }
        if !details.isEmpty { outcome.detail = details.joined(separator: "; ") }
        return outcome
    }

    /// The temporary bounces recorded against a contact since `start`.
    private func deferrals(of contact: ContactID, since start: Date) async throws -> Int {
        var count = 0
        var request = try PageRequest(limit: 500)
        while true {
            let page = try await store.inboxMessages.find("contact", equals: contact.rawValue, page: request)
            count += page.items.filter { $0.action == .deferred && $0.receivedAt >= start }.count
            guard let next = page.nextCursor else { return count }
            request = try PageRequest(limit: 500, cursor: next)
        }
    }
}
