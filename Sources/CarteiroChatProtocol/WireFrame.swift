import CarteiroJSON
import Foundation

/// Every field any frame has, flat, as it travels: one JSON object with a `type`. Frames are
/// decoded into this first, then checked for the fields their type needs.
struct WireFrame: Codable {
    var type: String
    var conversationID: String?
    var resume: String?
    var lastSequence: Int?
    var afterSequence: Int?
    var locale: String?
    var name: String?
    var clientID: String?
    var id: String?
    var sequence: Int?
    var from: Sender?
    var text: String?
    var quickReplies: [String]?
    var agentName: String?
    var state: HandoffState?
    var code: ChatErrorCode?
    var message: String?
    var conversations: [WaitingConversation]?
    var messages: [MessagePayload]?

    init(type: String, conversationID: String? = nil) {
        self.type = type
        self.conversationID = conversationID
    }

    enum CodingKeys: String, CodingKey {
        case type, resume, locale, name, id, sequence, from, text, state, code, message, conversations, messages
        case conversationID = "conversation_id"
        case lastSequence = "last_sequence"
        case afterSequence = "after_sequence"
        case clientID = "client_id"
        case quickReplies = "quick_replies"
        case agentName = "agent_name"
    }

    static func decode(_ text: String) throws(FrameDecodingError) -> WireFrame {
        if let frame = flat(text) { return frame }
        do {
            return try JSONDecoder().decode(WireFrame.self, from: Data(text.utf8))
        } catch let DecodingError.keyNotFound(key, _) where key.stringValue == "type" {
            throw FrameDecodingError(code: .missingField, message: "a frame needs a 'type'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw FrameDecodingError(code: .invalidJSON, message: "field '\(field)' has the wrong type")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw FrameDecodingError(code: .invalidJSON, message: "field '\(field)' has an unknown value")
        } catch {
            throw FrameDecodingError(code: .invalidJSON, message: "a frame must be one JSON object")
        }
    }

    func require<Value>(_ field: KeyPath<WireFrame, Value?>, _ name: String) throws(FrameDecodingError) -> Value {
        guard let value = self[keyPath: field] else {
            throw FrameDecodingError(code: .missingField, message: "a '\(type)' frame needs '\(name)'")
        }
        return value
    }

    func encoded() -> String {
        // Waiting lists and histories nest objects: those (agent-only) frames take the encoder.
        guard conversations == nil, messages == nil else {
            // Every field is a plain string, number, enum or array of those: encoding cannot fail.
            return String(decoding: try! JSONEncoder().encode(self), as: UTF8.self)
        }
        var json = JSONObjectWriter()
        json.string(CodingKeys.type.rawValue, type)
        json.optional(CodingKeys.conversationID.rawValue, conversationID)
        json.optional(CodingKeys.resume.rawValue, resume)
        if let lastSequence { json.integer(CodingKeys.lastSequence.rawValue, lastSequence) }
        if let afterSequence { json.integer(CodingKeys.afterSequence.rawValue, afterSequence) }
        json.optional(CodingKeys.locale.rawValue, locale)
        json.optional(CodingKeys.name.rawValue, name)
        json.optional(CodingKeys.clientID.rawValue, clientID)
        json.optional(CodingKeys.id.rawValue, id)
        if let sequence { json.integer(CodingKeys.sequence.rawValue, sequence) }
        json.optional(CodingKeys.from.rawValue, from?.rawValue)
        json.optional(CodingKeys.text.rawValue, text)
        if let quickReplies { json.strings(CodingKeys.quickReplies.rawValue, quickReplies) }
        json.optional(CodingKeys.agentName.rawValue, agentName)
        json.optional(CodingKeys.state.rawValue, state?.rawValue)
        json.optional(CodingKeys.code.rawValue, code?.rawValue)
        json.optional(CodingKeys.message.rawValue, message)
        return json.finishText()
    }

    /// The frame read without `JSONDecoder` when it is a flat object whose every known field has
    /// the right type and value; nil sends it to `JSONDecoder` (nested values, errors).
    private static func flat(_ text: String) -> WireFrame? {
        guard let members = FlatJSONObject.parse(text) else { return nil }
        var frame = WireFrame(type: "")
        var hasType = false
        for member in members {
            guard let key = CodingKeys(rawValue: member.key) else { continue }  // unknown keys are ignored, as by JSONDecoder
            if case .null = member.value { continue }  // null is absent, as for decodeIfPresent
            switch (key, member.value) {
            case (.type, .string(let value)):
                frame.type = value
                hasType = true
            case (.conversationID, .string(let value)): frame.conversationID = value
            case (.resume, .string(let value)): frame.resume = value
            case (.lastSequence, .integer(let value)): frame.lastSequence = value
            case (.afterSequence, .integer(let value)): frame.afterSequence = value
            case (.locale, .string(let value)): frame.locale = value
            case (.name, .string(let value)): frame.name = value
            case (.clientID, .string(let value)): frame.clientID = value
            case (.id, .string(let value)): frame.id = value
            case (.sequence, .integer(let value)): frame.sequence = value
            case (.text, .string(let value)): frame.text = value
            case (.quickReplies, .strings(let values)): frame.quickReplies = values
            case (.agentName, .string(let value)): frame.agentName = value
            case (.message, .string(let value)): frame.message = value
            case (.from, .string(let value)):
                guard let sender = Sender(rawValue: value) else { return nil }
                frame.from = sender
            case (.state, .string(let value)):
                guard let state = HandoffState(rawValue: value) else { return nil }
                frame.state = state
            case (.code, .string(let value)):
                guard let code = ChatErrorCode(rawValue: value) else { return nil }
                frame.code = code
            default:
                return nil
            }
        }
        return hasType ? frame : nil
    }
}
