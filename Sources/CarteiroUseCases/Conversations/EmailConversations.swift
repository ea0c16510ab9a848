public import CarteiroDomain
import CarteiroMail
public import CarteiroMIME
public import Foundation

/// Conversations by email. A customer's question to a watched mailbox becomes a conversation
/// (channel `email`) waiting in the agents' queue; a reply that threads to it (In-Reply-To or
/// References naming one of its Message-IDs, from the same address) continues it; an agent's
/// answer goes back by email, threaded, and its Message-ID joins the thread.
///
/// Receiving the same message again (a watcher that stopped halfway, or the same mail in two
/// watched mailboxes) stores nothing more: each message's client id is its Message-ID, and a new
/// conversation's id is fixed by the caller.
public struct EmailConversations: Sendable {
    /// A customer's message, as the inbox watcher read it.
    public struct IncomingMessage: Sendable {
        public var sender: EmailAddress
        public var name: String?
        public var subject: String?
        /// What the customer typed, without the quoted original.
        public var text: String
        /// Its Message-ID, without angle brackets.
        public var messageID: String?
        /// In-Reply-To and References, without angle brackets.
        public var referencedMessageIDs: [String]
        /// The address the customer wrote to: answers ask for replies there.
        public var recipient: String?
        /// Stable for this message (the inbox record's key): its client id when it has no Message-ID.
        public var key: String

        public init(
            sender: EmailAddress, name: String?, subject: String?, text: String, messageID: String?, referencedMessageIDs: [String],
            recipient: String?, key: String
        ) {
            self.sender = sender
            self.name = name
            self.subject = subject
            self.text = text
            self.messageID = messageID
            self.referencedMessageIDs = referencedMessageIDs
            self.recipient = recipient
            self.key = key
        }

        var clientID: String { "mail:" + String((messageID ?? key).prefix(200)) }
    }

    public enum Received: Sendable, Equatable {
        /// A new conversation, waiting for an agent.
        case started(ConversationID)
        /// The message joined a conversation it replies to.
        case continued(ConversationID)
        /// The message was stored before (received again): nothing changed.
        case alreadyReceived(ConversationID)
    }

    private let store: any Store
    static let maximumAttempts = 50

    public init(store: any Store) {
        self.store = store
    }

    /// Stores the customer's message in the conversation it replies to, or in a new conversation
    /// with id `newConversationID` that waits for an agent. A reply to a closed conversation
    /// starts a new one.
    public func receive(_ message: IncomingMessage, newConversationID: ConversationID, now: Date = Date()) async throws -> Received {
        let now = now.storedPrecision
        for _ in 0..<Self.maximumAttempts {
            let conversation: Conversation
            let isNew: Bool
            if let threaded = try await threadedConversation(of: message) {
                conversation = threaded
                isNew = false
            } else {
                conversation = try await start(message, id: newConversationID, now: now)
                isNew = conversation.lastSequence == 0
            }
            do {
                switch try await store.chatMessages.appendTurn(try turn(for: message, in: conversation, now: now)) {
                case .stored: return isNew ? .started(conversation.id) : .continued(conversation.id)
                case .resent: return .alreadyReceived(conversation.id)
                }
            } catch let error as StoreError where error.isConflict {
                // An agent wrote, or the conversation changed: read it again.
                continue
            }
        }
        throw StoreError(.conflict, "email conversation kept changing under an incoming message")
    }

    /// The open conversation of this sender that the message's own Message-ID, In-Reply-To or
    /// References names (its own: the same mail read again, or read in another mailbox).
    private func threadedConversation(of message: IncomingMessage) async throws -> Conversation? {
        let ids = (message.messageID.map { [$0] } ?? []) + message.referencedMessageIDs.reversed()
        for id in ids {
            let page = try await store.conversations.find("email_message", equals: id, page: try PageRequest(limit: 20))
            if let found = page.items.first(where: { conversation in
                conversation.channel == Conversation.emailChannel && conversation.status != .closed
                    && conversation.customerEmail?.canonical == message.sender.canonical
            }) {
                return found
            }
        }
        return nil
    }

    /// A new conversation waiting for an agent, or the one stored under `id` before.
    private func start(_ message: IncomingMessage, id: ConversationID, now: Date) async throws -> Conversation {
        if let stored = try await store.conversations.get(id) { return stored }
        let contact = try await store.contacts.find(email: message.sender)
        var conversation = try Conversation(
            id: id, channel: Conversation.emailChannel, customerID: contact?.id.rawValue ?? "email:\(message.sender.canonical)",
            locale: contact?.locale ?? "pt-BR", createdAt: now)
        conversation.customerEmail = message.sender
        conversation.customerName = (message.name ?? contact?.name).map { String($0.prefix(100)) }
        conversation.emailThread = Conversation.EmailThread(
            subject: Self.cleanSubject(message.subject), supportAddress: message.recipient, firstMessageID: message.messageID)
        try conversation.requestAgent(at: now)
        do {
            return try await store.conversations.insert(conversation)
        } catch let error as StoreError where error.isDuplicate {
            guard let stored = try await store.conversations.get(id) else { throw error }
            return stored
        }
    }

    /// The customer's message at the next sequence, a queued notice when the conversation must
    /// (again) wait for an agent, and the thread with the message's id.
    private func turn(for message: IncomingMessage, in conversation: Conversation, now: Date) async throws -> ChatTurn {
        let last = try await store.chatMessages.lastSequence(in: conversation.id)
        var updated = conversation
        var text = message.text
        if last == 0, let subject = message.subject?.trimmingCharacters(in: .whitespaces), !subject.isEmpty {
            text = subject + "\n\n" + text
        }
        var entries = [
            try ChatMessage(
                conversationID: conversation.id, sequence: last + 1, author: .customer, text: Self.fitting(text), clientMessageID: message.clientID,
                createdAt: now)
        ]
        var events: [DomainEvent] = []
        // The bot does not answer email: a conversation an agent gave back waits for one again.
        if last == 0 || (updated.owner == .bot && updated.status == .open) {
            if updated.status == .open { try updated.requestAgent(at: now) }
            entries.append(
                try ChatMessage(
                    conversationID: conversation.id, sequence: last + 2, author: .system,
                    text: ChatMessage.Notice.queued.text(agent: nil, locale: updated.locale), notice: .queued, createdAt: now))
            events.append(
                DomainEvent(occurredAt: now, payload: .chatHandoffRequested(.init(conversationID: conversation.id, reason: "email"))))
        }
        if let id = message.messageID { updated.emailThread?.add(id, fromCustomer: true) }
        updated.lastSequence = last + entries.count
        updated.updatedAt = now
        let posted = entries.map { entry in
            DomainEvent(
                occurredAt: now, payload: .chatMessagePosted(.init(conversationID: entry.conversationID, messageID: entry.id, sequence: entry.sequence)))
        }
        return ChatTurn(messages: entries, previous: conversation, conversation: updated, events: posted + events)
    }

    // MARK: Answers

    /// Sends an agent's message to the customer of an email conversation, threaded: In-Reply-To
    /// the customer's last message, References every known id, Reply-To the address the customer
    /// wrote to. The send's id is fixed by the message, so answering it again sends nothing more.
    /// Returns the answer's Message-ID, which joins the thread.
    public func answer(_ message: ChatMessage, in conversationID: ConversationID, from mailFrom: MailAddress, now: Date = Date()) async throws
        -> String
    {
        guard let conversation = try await store.conversations.get(conversationID), let thread = conversation.emailThread,
            let customer = conversation.customerEmail
        else { throw EmailConversationError.notAnEmailConversation(conversationID) }
        let replyTo = try thread.supportAddress.flatMap { address in
            (try? EmailAddress(address)) == nil ? nil : try MailAddress(address)
        }
        let recipient = ContactRecipient(
            contactID: try await store.contacts.find(email: customer)?.id, email: customer, name: conversation.customerName,
            variables: ["answer": message.text, "subject": Self.replySubject(thread.subject, locale: conversation.locale)])
        var request = SendRequest(
            from: mailFrom, replyTo: replyTo, subject: "{{{subject}}}", textBody: "{{{answer}}}\n", htmlBody: nil,
            recipients: .contacts([recipient], variables: ["answer", "subject"]), stream: .transactional)
        request.sendID = SendID(rawValue: "chat-\(message.id.rawValue)")
        request.threading = Send.Threading(inReplyTo: thread.lastCustomerMessageID, references: thread.messageIDs)
        request.reachesUnsubscribed = true
        let send = try await AcceptSend(store: store).accept(try AcceptSend.validate(request, now: now), now: now)
        guard let job = try await store.emailJobs.jobs(sendID: send.id, page: try PageRequest(limit: 1)).items.first else {
            throw EmailConversationError.suppressed(customer)
        }
        let messageID = MailComposer.messageID(for: job.id, domain: String(mailFrom.domain))
        try await recordAnswer(messageID, in: conversationID)
        return messageID
    }

    /// Adds our answer's Message-ID to the thread, so that the customer's reply to it is found.
    private func recordAnswer(_ messageID: String, in id: ConversationID) async throws {
        for _ in 0..<Self.maximumAttempts {
            guard var conversation = try await store.conversations.get(id) else { return }
            guard conversation.emailThread?.messageIDs.contains(messageID) == false else { return }
            conversation.emailThread?.add(messageID, fromCustomer: false)
            do {
                _ = try await store.conversations.update(conversation)
                return
            } catch let error as StoreError where error.isConflict {
                continue
            }
        }
        throw StoreError(.conflict, "conversation \(id) kept changing while an answer was recorded")
    }

    // MARK: Text

    /// The subject without the `Re:`/`Res:`/`Fwd:` prefixes replies add.
    static func cleanSubject(_ subject: String?) -> String {
        var subject = (subject ?? "").trimmingCharacters(in: .whitespaces)
        while let colon = subject.firstIndex(of: ":"), subject.distance(from: subject.startIndex, to: colon) <= 4,
            ["re", "res", "fw", "fwd", "enc", "aw"].contains(subject[..<colon].lowercased())
        {
            subject = subject[subject.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return subject
    }

    static func replySubject(_ subject: String, locale: String) -> String {
        guard !subject.isEmpty else { return locale.lowercased().hasPrefix("en") ? "Re: your message" : "Re: sua mensagem" }
        return "Re: " + subject
    }

    /// `text` within a chat message's size, cut at a character boundary with an ellipsis;
    /// a message with no text at all says so.
    static func fitting(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return "(mensagem sem texto)" }
        guard trimmed.utf8.count > ChatMessage.maximumTextBytes else { return trimmed }
        var cut = ""
        for character in trimmed {
            guard cut.utf8.count + character.utf8.count <= ChatMessage.maximumTextBytes - 3 else { break }
            cut.append(character)
        }
        return cut + "…"
    }

}

public enum EmailConversationError: Error, Sendable, CustomStringConvertible {
    case notAnEmailConversation(ConversationID)
    /// The customer's address is suppressed (bounced, complained or erased): no answer is queued.
    case suppressed(EmailAddress)

    public var description: String {
        switch self {
        case .notAnEmailConversation(let id): "conversation \(id) has no email thread"
        case .suppressed(let address): "\(address.canonical) is suppressed: the answer was not queued"
        }
    }
}
