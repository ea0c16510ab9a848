/// What a customer's client sends on `GET /chat`.
public enum CustomerFrame: Hashable, Sendable {
    /// The first frame. With `resume`, the conversation continues and every server frame after
    /// `lastSequence` is sent again, in order.
    case hello(resume: String? = nil, lastSequence: Int? = nil, locale: String? = nil, name: String? = nil)
    /// `clientID` makes a resend idempotent: the same id is stored once and acknowledged again.
    case message(clientID: String, text: String)
    case typing
    /// The client has shown everything up to `sequence`.
    case ack(sequence: Int)
}

/// What an agent's client sends on `GET /agent`.
public enum AgentFrame: Hashable, Sendable {
    /// Asks for the conversations waiting for an agent (answered with `waiting`).
    case list
    case claim(conversationID: String)
    case history(conversationID: String, afterSequence: Int = 0)
    case message(conversationID: String, clientID: String, text: String)
    case typing(conversationID: String)
    case returnToBot(conversationID: String)
    case close(conversationID: String)
}

extension CustomerFrame {
    public init(jsonText: String) throws(FrameDecodingError) {
        let wire = try WireFrame.decode(jsonText)
        switch wire.type {
        case "hello":
            self = .hello(resume: wire.resume, lastSequence: wire.lastSequence, locale: wire.locale, name: wire.name)
        case "message":
            self = .message(clientID: try wire.require(\.clientID, "client_id"), text: try wire.require(\.text, "text"))
        case "typing":
            self = .typing
        case "ack":
            self = .ack(sequence: try wire.require(\.sequence, "sequence"))
        default:
            throw FrameDecodingError(code: .unknownType, message: "unknown frame type '\(wire.type)'")
        }
    }

    public var jsonText: String {
        var wire: WireFrame
        switch self {
        case let .hello(resume, lastSequence, locale, name):
            wire = WireFrame(type: "hello")
            wire.resume = resume
            wire.lastSequence = lastSequence
            wire.locale = locale
            wire.name = name
        case let .message(clientID, text):
            wire = WireFrame(type: "message")
            wire.clientID = clientID
            wire.text = text
        case .typing:
            wire = WireFrame(type: "typing")
        case let .ack(sequence):
            wire = WireFrame(type: "ack")
            wire.sequence = sequence
        }
        return wire.encoded()
    }
}

extension AgentFrame {
    public init(jsonText: String) throws(FrameDecodingError) {
        let wire = try WireFrame.decode(jsonText)
        switch wire.type {
        case "list":
            self = .list
        case "claim":
            self = .claim(conversationID: try wire.require(\.conversationID, "conversation_id"))
        case "history":
            self = .history(conversationID: try wire.require(\.conversationID, "conversation_id"), afterSequence: wire.afterSequence ?? 0)
        case "message":
            self = .message(
                conversationID: try wire.require(\.conversationID, "conversation_id"),
                clientID: try wire.require(\.clientID, "client_id"),
                text: try wire.require(\.text, "text"))
        case "typing":
            self = .typing(conversationID: try wire.require(\.conversationID, "conversation_id"))
        case "return_to_bot":
            self = .returnToBot(conversationID: try wire.require(\.conversationID, "conversation_id"))
        case "close":
            self = .close(conversationID: try wire.require(\.conversationID, "conversation_id"))
        default:
            throw FrameDecodingError(code: .unknownType, message: "unknown frame type '\(wire.type)'")
        }
    }

    public var jsonText: String {
        var wire: WireFrame
        switch self {
        case .list:
            wire = WireFrame(type: "list")
        case let .claim(conversationID):
            wire = WireFrame(type: "claim", conversationID: conversationID)
        case let .history(conversationID, afterSequence):
            wire = WireFrame(type: "history", conversationID: conversationID)
            wire.afterSequence = afterSequence
        case let .message(conversationID, clientID, text):
            wire = WireFrame(type: "message", conversationID: conversationID)
            wire.clientID = clientID
            wire.text = text
        case let .typing(conversationID):
            wire = WireFrame(type: "typing", conversationID: conversationID)
        case let .returnToBot(conversationID):
            wire = WireFrame(type: "return_to_bot", conversationID: conversationID)
        case let .close(conversationID):
            wire = WireFrame(type: "close", conversationID: conversationID)
        }
        return wire.encoded()
    }
}
