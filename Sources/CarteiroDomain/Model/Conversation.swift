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
        updatedAt = now
    }

    public mutating func assign(toAgent agentID: String, at now: Date) throws(TransitionError) {
        guard status == .waitingAgent else {
            throw TransitionError(entity: Status.entityName, from: status.rawValue, to: "assigned")
        }
        status = .open
        owner = .agent(id: agentID)
        updatedAt = now
    }

    public mutating func returnToBot(at now: Date) throws(TransitionError) {
        guard status != .closed else { throw TransitionError(entity: Status.entityName, from: status.rawValue, to: "bot") }
        if status == .waitingAgent { status = .open }
        owner = .bot
        updatedAt = now
    }

    public mutating func close(at now: Date) throws(TransitionError) {
        status = try status.moving(to: .closed)
        updatedAt = now
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
    public let createdAt: Date

    public static let maximumTextBytes = 4096

    public init(
        id: ChatMessageID = ChatMessageID(), conversationID: ConversationID, sequence: Int, author: Author, text: String,
        clientMessageID: String? = nil, quickReplies: [String] = [], createdAt: Date
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
        self.createdAt = createdAt
    }
}
