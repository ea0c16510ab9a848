public import Foundation

public typealias ConversationID = Identifier<Conversation>
public typealias ChatMessageID = Identifier<ChatMessage>

/// A support chat between a customer and the bot or a human agent.
public struct Conversation: Aggregate {
    public enum Status: String, StatusMachine, CaseIterable {
        case open
        case waitingAgent = "waiting_agent"
        case closed

        public static let entityName = "conversation"

        public func canMove(to next: Status) -> Bool {
            switch (self, next) {
            case (.open, .waitingAgent), (.open, .closed), (.waitingAgent, .open), (.waitingAgent, .closed): true
            default: false
            }
        }
    }

    /// Who answers the customer. Explicit, so the bot never answers a conversation an agent owns.
    public enum Owner: Hashable, Sendable, Codable {
        case bot
        case agent(id: String)
    }

    public let id: ConversationID
    public var version: Int
    public let channel: String
    /// Anonymous id of the customer until an email is known.
    public var customerID: String
    public var customerEmail: EmailAddress?
    public var customerName: String?
    public var locale: String
    public private(set) var owner: Owner
    public private(set) var status: Status
    public var detectedIntents: [String]
    /// Sequence number of the last stored message; the next message gets `lastSequence + 1`.
    public var lastSequence: Int
    /// SHA-256 (lowercase hex) of the customer's resume token; the token itself is never stored.
    public var resumeTokenHash: String?
    /// The bot's dialogue state as JSON, opaque here: the chat service owns its shape. Kept with the
    /// conversation so that a conversation survives a restart or moves to another process.
    public var botState: String?
    /// Since when the conversation waits for an agent; nil when it does not.
    public var waitingSince: Date?
    /// When it was first handed to the agents' queue; nil for a conversation the bot alone had.
    public var handedOffAt: Date?
    /// For a conversation by email (channel `email`): its subject and the Message-IDs that lead
    /// back to it, the customer's and our answers'. Nil for chats.
    public var emailThread: EmailThread?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ConversationID = ConversationID(), channel: String = "web", customerID: String, locale: String = "pt-BR", createdAt: Date
    ) throws(ValidationError) {
        self.id = id
        self.version = 0
        self.channel = try requireNonEmpty(channel, field: "channel")
        self.customerID = try requireNonEmpty(customerID, field: "customerID")
        self.locale = locale
        self.owner = .bot
        self.status = .open
        self.detectedIntents = []
        self.lastSequence = 0
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    public mutating func requestAgent(at now: Date) throws(TransitionError) {
        status = try status.moving(to: .waitingAgent)
        waitingSince = now
        if handedOffAt == nil { handedOffAt = now }
        updatedAt = now
    }

    public mutating func assign(toAgent agentID: String, at now: Date) throws(TransitionError) {
        guard status == .waitingAgent else {
            throw TransitionError(entity: Status.entityName, from: status.rawValue, to: "assigned")
        }
        status = .open
        owner = .agent(id: agentID)
        waitingSince = nil
        updatedAt = now
    }

    public mutating func returnToBot(at now: Date) throws(TransitionError) {
        guard status != .closed else { throw TransitionError(entity: Status.entityName, from: status.rawValue, to: "bot") }
        if status == .waitingAgent { status = .open }
        owner = .bot
        waitingSince = nil
        updatedAt = now
    }

    public mutating func close(at now: Date) throws(TransitionError) {
        status = try status.moving(to: .closed)
        waitingSince = nil
        updatedAt = now
    }
}

extension Conversation {
    /// `yyyy-MM-dd` of `date` in UTC: the day conversations are counted by in usage reports.
    public static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// Every UTC day from `from`'s to the one before `to` (or `from`'s alone when `to` is within it).
    public static func days(from: Date, to: Date) -> [String] {
        var days: [String] = []
        var cursor = from
        repeat {
            days.append(day(cursor))
            cursor = cursor.addingTimeInterval(86_400)
        } while cursor < to && days.count < 3_700
        return days
    }

    /// The channel of conversations started by an email to a watched mailbox.
    public static let emailChannel = "email"

    /// What threads an email conversation: a customer's reply whose In-Reply-To or References
    /// names one of `messageIDs` continues it, and an answer goes out `In-Reply-To` the
    /// customer's last message with every known id as `References`.
    public struct EmailThread: Hashable, Sendable, Codable {
        /// The subject of the customer's first message.
        public var subject: String
        /// The address the customer wrote to, where answers ask replies to go (Reply-To).
        public var supportAddress: String?
        /// The Message-ID of the customer's latest message, without angle brackets.
        public var lastCustomerMessageID: String?
        /// Every Message-ID of the thread, oldest first, without angle brackets; at most
        /// `maximumMessageIDs` (the oldest are dropped, the first is kept).
        public private(set) var messageIDs: [String]

        public static let maximumMessageIDs = 50

        public init(subject: String, supportAddress: String?, firstMessageID: String?) {
            self.subject = subject
            self.supportAddress = supportAddress
            self.lastCustomerMessageID = firstMessageID
            self.messageIDs = firstMessageID.map { [$0] } ?? []
        }

        /// Adds a Message-ID of the thread (a customer's when `fromCustomer`); one already known changes nothing.
        public mutating func add(_ messageID: String, fromCustomer: Bool) {
            if fromCustomer { lastCustomerMessageID = messageID }
            guard !messageIDs.contains(messageID) else { return }
            messageIDs.append(messageID)
            if messageIDs.count > Self.maximumMessageIDs { messageIDs.remove(at: 1) }
        }
    }
}

extension Conversation.Owner {
    /// `bot`, or the agent's id: the value the store indexes as `owner`.
    public var indexValue: String {
        switch self {
        case .bot: "bot"
        case .agent(let id): "agent:\(id)"
        }
    }
}

/// One message of a conversation, stored before anyone sees it.
public struct ChatMessage: Hashable, Sendable, Codable, Identifiable {
    public enum Author: Hashable, Sendable, Codable {
        case customer, bot, system
        case agent(id: String)
    }

    public let id: ChatMessageID
    public let conversationID: ConversationID
    /// Position in the conversation, from 1, gap-free; what clients resume from.
    public let sequence: Int
    public let author: Author
    public let text: String
    /// Id the client gave its message, to make a resent message idempotent.
    public let clientMessageID: String?
    public let quickReplies: [String]
    /// Set on the system entries that record a change of owner or status, so that a client
    /// replaying the conversation sees hand-offs at their place in the sequence.
    public let notice: Notice?
    public let createdAt: Date

    public static let maximumTextBytes = 4096

    public enum Notice: String, Hashable, Sendable, Codable, CaseIterable {
        /// Waiting for an agent.
        case queued
        /// An agent took the conversation.
        case assigned
        case returnedToBot = "returned_to_bot"
        case closed
    }

    public init(
        id: ChatMessageID = ChatMessageID(), conversationID: ConversationID, sequence: Int, author: Author, text: String,
        clientMessageID: String? = nil, quickReplies: [String] = [], notice: Notice? = nil, createdAt: Date
    ) throws(ValidationError) {
        guard sequence >= 1 else { throw ValidationError(field: "sequence", reason: "starts at 1") }
        guard !text.isEmpty else { throw .empty("text") }
        guard text.utf8.count <= Self.maximumTextBytes else {
            throw ValidationError(field: "text", reason: "longer than \(Self.maximumTextBytes) bytes")
        }
        self.id = id
        self.conversationID = conversationID
        self.sequence = sequence
        self.author = author
        self.text = text
        self.clientMessageID = clientMessageID
        self.quickReplies = quickReplies
        self.notice = notice
        self.createdAt = createdAt
    }
}
