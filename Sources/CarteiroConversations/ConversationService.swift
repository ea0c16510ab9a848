public import CarteiroChat
public import CarteiroDomain
import Foundation
public import Logging

/// Conversations between customers, the bot and agents: every entry is stored (at the next free
/// sequence, with a `chat.message_posted` event for other processes) before anyone sees it, then
/// published to this process's connections through the hub.
///
/// The bot answers only conversations it owns and that are open. Its first reply is written at
/// the sequence right after the customer message: if that sequence is taken, another process (or
/// a newer customer message) came first and the bot stays silent, so no message is answered twice.
public struct ConversationService: Sendable {
    public struct Dependencies: Sendable {
        public var conversations: any AggregateRepository<Conversation>
        public var messages: any ChatMessageLog
        public var bot: Bot
        public var hub: ConversationHub
        public var clock: any WallClock
        /// Carries out the bot's sign-ups (a pending contact and its confirmation email); nil when
        /// the process sends no mail (no sign-up address or From configured).
        public var signUps: (any ChatSignUps)?
        /// Sends agents' answers in email conversations; nil when the process sends no mail.
        public var emailAnswers: (any EmailAnswers)?

        public init(
            conversations: any AggregateRepository<Conversation>, messages: any ChatMessageLog, bot: Bot, hub: ConversationHub,
            clock: any WallClock = SystemWallClock(), signUps: (any ChatSignUps)? = nil, emailAnswers: (any EmailAnswers)? = nil
        ) {
            self.conversations = conversations
            self.messages = messages
            self.bot = bot
            self.hub = hub
            self.clock = clock
            self.signUps = signUps
            self.emailAnswers = emailAnswers
        }
    }

    /// What a customer's `hello` asks for.
    public struct Start: Sendable {
        public var resumeToken: String?
        public var lastSequence: Int
        public var locale: String?
        public var name: String?

        public init(resumeToken: String? = nil, lastSequence: Int = 0, locale: String? = nil, name: String? = nil) {
            self.resumeToken = resumeToken
            self.lastSequence = lastSequence
            self.locale = locale
            self.name = name
        }
    }

    /// A customer's conversation, its resume token, and what the customer has not seen yet.
    public struct Session: Sendable {
        public var conversation: Conversation
        public var resumeToken: String
        public var backlog: [ChatMessage]
        public var lastSequence: Int
    }

    /// A stored customer message and whether this call stored it (false for a resend).
    struct Posted: Sendable {
        var message: ChatMessage
        var isNew: Bool
    }

    let dependencies: Dependencies
    let logger: Logger
    /// Store failures are logged once per interval and kind; each customer gets the incident id.
    let failures: LogThrottle
    /// Entries read per page when replaying a conversation.
    static let pageSize = 500
    /// Attempts at taking the next sequence before giving up (each conflict means someone else wrote).
    static let maximumSequenceAttempts = 50

    public init(dependencies: Dependencies, logger: Logger, failureLogInterval: Duration = .seconds(10)) {
        self.dependencies = dependencies
        self.logger = logger
        failures = LogThrottle(interval: failureLogInterval, clock: dependencies.clock)
    }

    public var hub: ConversationHub { dependencies.hub }

    // MARK: Customers

    /// Starts a conversation, or resumes the one `start.resumeToken` names with every entry after
    /// `start.lastSequence`.
    public func start(_ start: Start) async throws(ConversationError) -> Session {
        if let token = start.resumeToken {
            let found = try await guarded { try await dependencies.conversations.findUnique("resume", SecretToken.hash(token)) }
            guard let conversation = found else { throw .unknownConversation("the resume token matches no conversation") }
            let backlog = try await entries(of: conversation.id, after: max(0, start.lastSequence))
            let last = try await guarded { try await dependencies.messages.lastSequence(in: conversation.id) }
            return Session(conversation: conversation, resumeToken: token, backlog: backlog, lastSequence: last)
        }
        let token = SecretToken.generate()
        let now = dependencies.clock.now()
        let locale = start.locale.flatMap { locale in dependencies.bot.definition.locales.first { $0.lowercased() == locale.lowercased() } }
        var conversation: Conversation
        do {
            conversation = try Conversation(
                customerID: "anon-" + SecretToken.generate().prefix(12), locale: locale ?? dependencies.bot.definition.defaultLocale, createdAt: now)
        } catch {
            throw .invalidMessage(error.description)
        }
        conversation.customerName = start.name.flatMap { $0.isEmpty ? nil : String($0.prefix(100)) }
        conversation.resumeTokenHash = SecretToken.hash(token)
        conversation.botState = DialogueStateCoding.encode(DialogueState(locale: locale))
        let stored = try await guarded { try await dependencies.conversations.insert(conversation) }
        return Session(conversation: stored, resumeToken: token, backlog: [], lastSequence: 0)
    }

    /// Stores a customer message (once per client id) and, when the bot owns the open
    /// conversation, the bot's answer and the dialogue state it leaves, all in one write; then
    /// publishes them. The caller acknowledges the message, then delivers the replies.
    ///
    /// `snapshot`, the conversation as the last exchange left it, saves reading it: the write is
    /// version-checked, so a snapshot another process (or an agent) made stale only costs a
    /// conflict and a fresh read. The hub does not publish the exchange to `subscription`: the
    /// caller delivers it.
    public func post(
        _ text: String, clientID: String, to conversationID: ConversationID, knownAs snapshot: Conversation? = nil,
        deliveredTo subscription: Int? = nil
    ) async throws(ConversationError) -> Exchange {
        guard text.utf8.count <= ChatMessage.maximumTextBytes else { throw .textTooLong() }
        // Only a bot-owned snapshot is trusted: a stale one fails the version check; a stale
        // agent-owned one would store the message without the bot seeing it.
        var known = snapshot.flatMap { $0.id == conversationID && $0.owner == .bot && $0.status == .open ? $0 : nil }
        var storedAfter = 0
        for _ in 0..<Self.maximumSequenceAttempts {
            let conversation: Conversation
            if let given = known {
                conversation = given
                known = nil
            } else {
                guard let read = try await guarded({ try await dependencies.conversations.get(conversationID) }) else {
                    throw .unknownConversation()
                }
                conversation = read
            }
            guard conversation.status != .closed else { throw .conversationClosed() }
            guard conversation.owner == .bot, conversation.status == .open else {
                let posted = try await postCustomerMessage(to: conversation, clientID: clientID, text: text, deliveredTo: subscription)
                return Exchange(message: posted.message, isNew: posted.isNew, replies: [], conversation: nil)
            }
            let state = DialogueStateCoding.decode(conversation.botState) ?? DialogueState()
            let answer = await carryOutActions(
                of: dependencies.bot.respond(to: text, state: state, customerName: conversation.customerName), in: conversation)
            let turn = try botTurn(
                answering: text, clientID: clientID, with: answer, in: conversation, after: max(conversation.lastSequence, storedAfter))
            do {
                switch try await dependencies.messages.appendTurn(turn) {
                case .stored(let entries, let updated):
                    await dependencies.hub.publish(entries, skipping: subscription)
                    return Exchange(message: entries[0], isNew: true, replies: Array(entries.dropFirst()), conversation: updated)
                case .resent(let stored):
                    return Exchange(message: stored, isNew: false, replies: [], conversation: nil)
                }
            } catch let error as StoreError where error.isConflict {
                // Someone else wrote to the conversation: start again from what is stored.
                logger.debug("a chat turn lost a race; reading again", metadata: ["conversation": "\(conversationID)"])
                storedAfter = try await guarded { try await dependencies.messages.lastSequence(in: conversationID) }
            } catch let error as StoreError where error.kind == .notFound {
                throw .unknownConversation()
            } catch {
                throw failed("storing a chat turn", error)
            }
        }
        throw failed("storing a chat turn", "conversation \(conversationID) kept changing under this message")
    }

    /// What became of a customer message.
    public struct Exchange: Sendable {
        /// The stored message (for a resend, the one stored the first time).
        public var message: ChatMessage
        /// False for a resend: nothing new was stored or answered.
        public var isNew: Bool
        /// The bot's replies (and a hand-off notice), stored and published, in sequence order.
        public var replies: [ChatMessage]
        /// The conversation as this exchange left it (nil when it did not change it), for the next `post`.
        public var conversation: Conversation?
    }

    /// The customer message at `sequence + 1`, the bot's answer right after it, and the
    /// conversation as they leave it.
    private func botTurn(answering text: String, clientID: String, with answer: BotTurn, in conversation: Conversation, after sequence: Int)
        throws(ConversationError) -> ChatTurn
    {
        let conversationID = conversation.id
        let now = dependencies.clock.now().storedPrecision
        let customer = try Self.makeMessage(
            conversationID: conversationID, sequence: sequence + 1, author: .customer, text: text, clientID: clientID, at: now)
        var entries = [customer]
        for reply in answer.replies {
            entries.append(
                try Self.makeMessage(
                    conversationID: conversationID, sequence: sequence + entries.count + 1, author: .bot, text: reply.text,
                    quickReplies: reply.quickReplies, at: now))
        }
        var events = answer.chatEvents(conversationID: conversationID, contactID: nil)
            .filter { if case .chatIntentDetected = $0 { true } else { false } }
            .map { DomainEvent(occurredAt: now, payload: $0) }
        var updated = conversation
        updated.botState = DialogueStateCoding.encode(answer.state)
        if let intent = answer.detectedIntent, !updated.detectedIntents.contains(intent) { updated.detectedIntents.append(intent) }
        if let locale = answer.state.locale { updated.locale = locale }
        updated.updatedAt = now
        if let handoff = answer.handoff, (try? updated.requestAgent(at: now)) != nil {
            events.append(DomainEvent(occurredAt: now, payload: .chatHandoffRequested(.init(conversationID: conversationID, reason: handoff.description))))
            entries.append(
                try Self.makeMessage(
                    conversationID: conversationID, sequence: sequence + entries.count + 1, author: .system,
                    text: ChatMessage.Notice.queued.text(agent: nil, locale: updated.locale), notice: .queued, at: now))
        }
        updated.lastSequence = sequence + entries.count
        return ChatTurn(messages: entries, previous: conversation, conversation: updated, events: entries.map(Self.posted) + events)
    }

    /// Carries out what the bot's answer promises before it is stored, so that the bot never
    /// says it did what failed: a sign-up's confirmation is accepted for sending first, and when
    /// it cannot be, the bot's replies say so instead. (A turn that loses a race is answered
    /// again; the sign-up sends one confirmation per address a minute, so it is not sent twice.)
    private func carryOutActions(of answer: BotTurn, in conversation: Conversation) async -> BotTurn {
        var answer = answer
        for case .contactSignedUp(let email, let locale, let name) in answer.actions {
            let result: ChatSignUpResult
            if let signUps = dependencies.signUps {
                do {
                    result = try await signUps.signUp(
                        email: email, name: name ?? conversation.customerName, locale: locale, conversationID: conversation.id)
                } catch {
                    let occurrence = failures.record("chat sign-up: \(error)")
                    if occurrence.shouldLog {
                        logger.error(
                            "a chat sign-up failed",
                            metadata: ["conversation": "\(conversation.id)", "error": "\(error)", "incident": "\(occurrence.incident)"])
                    }
                    result = .failed
                }
            } else {
                result = .failed
            }
            if let text = ChatSignUpResult.reply(to: result, email: email, locale: locale) {
                answer.replies = [BotReply(text: text)]
            }
        }
        return answer
    }

    /// Stores a customer message (once per client id) without asking the bot, and publishes it:
    /// for conversations an agent owns or that wait for one.
    func postCustomerMessage(to conversation: Conversation, clientID: String, text: String, deliveredTo subscription: Int?)
        async throws(ConversationError) -> Posted
    {
        let conversationID = conversation.id
        let now = dependencies.clock.now().storedPrecision
        var candidateID: ChatMessageID?
        let stored = try await appendNext(to: conversationID, guess: conversation.lastSequence + 1) { sequence throws(ConversationError) in
            let message = try Self.makeMessage(
                conversationID: conversationID, sequence: sequence, author: .customer, text: text, clientID: clientID, at: now)
            candidateID = message.id
            return message
        }
        let isNew = stored.id == candidateID
        if isNew { await dependencies.hub.publish([stored], skipping: subscription) }
        return Posted(message: stored, isNew: isNew)
    }

    /// Stored entries of a conversation after `sequence`, in order (every page).
    public func entries(of conversationID: ConversationID, after sequence: Int) async throws(ConversationError) -> [ChatMessage] {
        var all: [ChatMessage] = []
        var cursor = sequence
        while true {
            let page = try await guarded { try await dependencies.messages.messages(in: conversationID, after: cursor, limit: Self.pageSize) }
            all.append(contentsOf: page)
            guard page.count == Self.pageSize, let last = page.last else { return all }
            cursor = last.sequence
        }
    }

    public func conversation(_ id: ConversationID) async throws(ConversationError) -> Conversation? {
        try await guarded { try await dependencies.conversations.get(id) }
    }

    // MARK: Shared steps

    /// Appends the entry `build` makes for the next free sequence, retrying on conflict.
    /// `guess` is tried first without reading the last sequence.
    func appendNext(
        to conversationID: ConversationID, guess: Int? = nil, events: [DomainEvent] = [],
        _ build: (Int) throws(ConversationError) -> ChatMessage
    ) async throws(ConversationError) -> ChatMessage {
        var guess = guess
        for _ in 0..<Self.maximumSequenceAttempts {
            let next: Int
            if let guessed = guess {
                next = guessed
                guess = nil
            } else {
                next = try await guarded { try await dependencies.messages.lastSequence(in: conversationID) } + 1
            }
            let message = try build(next)
            do {
                return try await dependencies.messages.append(message, events: [Self.posted(message)] + events)
            } catch let error as StoreError where error.isConflict {
                continue
            } catch {
                throw failed("storing a chat message", error)
            }
        }
        throw failed("storing a chat message", "conversation \(conversationID): no free sequence after \(Self.maximumSequenceAttempts) attempts")
    }

    /// Stores and publishes a notice of a change of owner or status.
    func appendNotice(_ notice: ChatMessage.Notice, to conversation: Conversation, agent: String?, events: [DomainEvent] = [])
        async throws(ConversationError) -> ChatMessage
    {
        let now = dependencies.clock.now()
        let text = notice.text(agent: agent, locale: conversation.locale)
        let stored = try await appendNext(to: conversation.id, events: events) { sequence throws(ConversationError) in
            // Written by the agent whose action it records (who took the conversation, who closed it).
            try Self.makeMessage(
                conversationID: conversation.id, sequence: sequence, author: agent.map { .agent(id: $0) } ?? .system, text: text, notice: notice,
                at: now)
        }
        await dependencies.hub.publish(stored)
        return stored
    }

    /// Reads, changes and writes a conversation, reading again after a version conflict. Nil when
    /// it does not exist.
    @discardableResult
    func modify(_ id: ConversationID, _ change: (inout Conversation) throws(ConversationError) -> Void) async throws(ConversationError)
        -> Conversation?
    {
        for _ in 0..<Self.maximumSequenceAttempts {
            let read = try await guarded { try await dependencies.conversations.get(id) }
            guard var conversation = read else { return nil }
            try change(&conversation)
            do {
                return try await dependencies.conversations.update(conversation)
            } catch let error as StoreError where error.isConflict {
                continue
            } catch {
                throw failed("updating a conversation", error)
            }
        }
        throw failed("updating a conversation", "conversation \(id) kept changing under this update")
    }

    func guarded<T>(_ body: () async throws -> T) async throws(ConversationError) -> T {
        do {
            return try await body()
        } catch let error as ConversationError {
            throw error
        } catch {
            throw failed("reading conversations", error)
        }
    }

    /// The `internal` error a client gets for `error`, whose details go to the log instead
    /// (once per interval and kind, with a count), under the incident id the client is shown.
    func failed(_ action: String, _ error: any Error) -> ConversationError {
        failed(action, "\(error)")
    }

    func failed(_ action: String, _ detail: String) -> ConversationError {
        let occurrence = failures.record(action + ": " + detail)
        if occurrence.shouldLog {
            logger.warning(
                "chat store call failed",
                metadata: [
                    "action": "\(action)", "error": "\(detail)", "incident": "\(occurrence.incident)",
                    "unlogged_since_last": "\(occurrence.suppressed)",
                ])
        }
        return .internalFailure(incident: occurrence.incident)
    }

    static func makeMessage(
        conversationID: ConversationID, sequence: Int, author: ChatMessage.Author, text: String, clientID: String? = nil,
        quickReplies: [String] = [], notice: ChatMessage.Notice? = nil, at now: Date
    ) throws(ConversationError) -> ChatMessage {
        do {
            return try ChatMessage(
                conversationID: conversationID, sequence: sequence, author: author, text: text, clientMessageID: clientID, quickReplies: quickReplies,
                notice: notice, createdAt: now)
        } catch {
            if error.field == "text", error.reason.contains("longer") { throw .textTooLong() }
            throw .invalidMessage(error.description)
        }
    }


    static func posted(_ message: ChatMessage) -> DomainEvent {
        DomainEvent(
            occurredAt: message.createdAt,
            payload: .chatMessagePosted(.init(conversationID: message.conversationID, messageID: message.id, sequence: message.sequence)))
    }
}
