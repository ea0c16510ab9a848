/// Who wrote a message, as clients see it.
public enum Sender: String, Codable, Hashable, Sendable {
    case customer, bot, agent, system
}

/// Who owns a conversation after a hand-off step.
public enum HandoffState: String, Codable, Hashable, Sendable {
    case queued
    case assigned
    case returnedToBot = "returned_to_bot"
}

/// A stored message of a conversation, as sent to customers (live and on resume) and to agents
/// (live, with `conversationID`, and in `history`).
public struct MessagePayload: Codable, Hashable, Sendable {
    public var id: String
    public var conversationID: String?
    public var sequence: Int
    public var from: Sender
    public var text: String
    public var quickReplies: [String]?
    public var agentName: String?
    /// The id the author's client gave it (lets a client recognise its own message).
    public var clientID: String?

    public init(
        id: String, conversationID: String? = nil, sequence: Int, from: Sender, text: String, quickReplies: [String]? = nil,
        agentName: String? = nil, clientID: String? = nil
    ) {
        self.id = id
        self.conversationID = conversationID
        self.sequence = sequence
        self.from = from
        self.text = text
        self.quickReplies = quickReplies
        self.agentName = agentName
        self.clientID = clientID
    }

    enum CodingKeys: String, CodingKey {
        case id, sequence, from, text
        case conversationID = "conversation_id"
        case quickReplies = "quick_replies"
        case agentName = "agent_name"
        case clientID = "client_id"
    }
}

/// A conversation in an agent's `waiting` list.
public struct WaitingConversation: Codable, Hashable, Sendable {
    public var conversationID: String
    public var customer: String
    public var name: String?
    public var intents: [String]
    /// ISO 8601.
    public var waitingSince: String
    public var lastText: String?
    /// `web` for a chat, `email` for a conversation by email (answers go back by email).
    public var channel: String?
    /// The customer's address, when known.
    public var email: String?

    public init(
        conversationID: String, customer: String, name: String? = nil, intents: [String], waitingSince: String, lastText: String? = nil,
        channel: String? = nil, email: String? = nil
    ) {
        self.conversationID = conversationID
        self.customer = customer
        self.name = name
        self.intents = intents
        self.waitingSince = waitingSince
        self.lastText = lastText
        self.channel = channel
        self.email = email
    }

    enum CodingKeys: String, CodingKey {
        case customer, name, intents, channel, email
        case conversationID = "conversation_id"
        case waitingSince = "waiting_since"
        case lastText = "last_text"
    }
}

/// What the server sends, to customers and agents. Frames that belong to a conversation carry
/// its `sequence`; on agent connections they also carry `conversationID`.
public enum ServerFrame: Hashable, Sendable {
    case welcome(conversationID: String, resume: String, sequence: Int)
    /// A client message is stored durably under `sequence`, before anyone sees it.
    case ack(clientID: String, sequence: Int, conversationID: String? = nil)
    case message(MessagePayload)
    case handoff(sequence: Int, state: HandoffState, agentName: String? = nil, conversationID: String? = nil)
    case typing(from: Sender, conversationID: String? = nil)
    case closed(sequence: Int, conversationID: String? = nil)
    case error(code: ChatErrorCode, message: String, clientID: String? = nil)
    /// Agents: the conversations waiting for an agent.
    case waiting([WaitingConversation])
    /// Agents: this agent now owns the conversation.
    case claimed(conversationID: String)
    /// Agents: a conversation's stored messages after the asked sequence.
    case history(conversationID: String, messages: [MessagePayload])

    /// The conversation position of a frame that has one (resume and de-duplication use it).
    public var sequence: Int? {
        switch self {
        case let .message(payload): payload.sequence
        case let .handoff(sequence, _, _, _), let .closed(sequence, _), let .ack(_, sequence, _): sequence
        default: nil
        }
    }

    public init(jsonText: String) throws(FrameDecodingError) {
        let wire = try WireFrame.decode(jsonText)
        switch wire.type {
        case "welcome":
            self = .welcome(
                conversationID: try wire.require(\.conversationID, "conversation_id"), resume: try wire.require(\.resume, "resume"),
                sequence: try wire.require(\.sequence, "sequence"))
        case "ack":
            self = .ack(clientID: try wire.require(\.clientID, "client_id"), sequence: try wire.require(\.sequence, "sequence"), conversationID: wire.conversationID)
        case "message":
            self = .message(
                MessagePayload(
                    id: try wire.require(\.id, "id"), conversationID: wire.conversationID, sequence: try wire.require(\.sequence, "sequence"),
                    from: try wire.require(\.from, "from"), text: try wire.require(\.text, "text"), quickReplies: wire.quickReplies,
                    agentName: wire.agentName, clientID: wire.clientID))
        case "handoff":
            self = .handoff(
                sequence: try wire.require(\.sequence, "sequence"), state: try wire.require(\.state, "state"), agentName: wire.agentName,
                conversationID: wire.conversationID)
        case "typing":
            self = .typing(from: try wire.require(\.from, "from"), conversationID: wire.conversationID)
        case "closed":
            self = .closed(sequence: try wire.require(\.sequence, "sequence"), conversationID: wire.conversationID)
        case "error":
            self = .error(code: try wire.require(\.code, "code"), message: wire.message ?? "", clientID: wire.clientID)
        case "waiting":
            self = .waiting(wire.conversations ?? [])
        case "claimed":
            self = .claimed(conversationID: try wire.require(\.conversationID, "conversation_id"))
        case "history":
            self = .history(conversationID: try wire.require(\.conversationID, "conversation_id"), messages: wire.messages ?? [])
        default:
            throw FrameDecodingError(code: .unknownType, message: "unknown frame type '\(wire.type)'")
        }
    }

    public var jsonText: String {
        var wire: WireFrame
        switch self {
        case let .welcome(conversationID, resume, sequence):
            wire = WireFrame(type: "welcome", conversationID: conversationID)
            wire.resume = resume
            wire.sequence = sequence
        case let .ack(clientID, sequence, conversationID):
            wire = WireFrame(type: "ack", conversationID: conversationID)
            wire.clientID = clientID
            wire.sequence = sequence
        case let .message(payload):
            wire = WireFrame(type: "message", conversationID: payload.conversationID)
            wire.id = payload.id
            wire.sequence = payload.sequence
            wire.from = payload.from
            wire.text = payload.text
            wire.quickReplies = payload.quickReplies
            wire.agentName = payload.agentName
            wire.clientID = payload.clientID
        case let .handoff(sequence, state, agentName, conversationID):
            wire = WireFrame(type: "handoff", conversationID: conversationID)
            wire.sequence = sequence
            wire.state = state
            wire.agentName = agentName
        case let .typing(from, conversationID):
            wire = WireFrame(type: "typing", conversationID: conversationID)
            wire.from = from
        case let .closed(sequence, conversationID):
            wire = WireFrame(type: "closed", conversationID: conversationID)
            wire.sequence = sequence
        case let .error(code, message, clientID):
            wire = WireFrame(type: "error")
            wire.code = code
            wire.message = message
            wire.clientID = clientID
        case let .waiting(conversations):
            wire = WireFrame(type: "waiting")
            wire.conversations = conversations
        case let .claimed(conversationID):
            wire = WireFrame(type: "claimed", conversationID: conversationID)
        case let .history(conversationID, messages):
            wire = WireFrame(type: "history", conversationID: conversationID)
            wire.messages = messages
        }
        return wire.encoded()
    }
}
