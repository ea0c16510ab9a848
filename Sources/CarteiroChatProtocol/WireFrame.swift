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
        // Every field is a plain string, number, enum or array of those: encoding cannot fail.
        String(decoding: try! JSONEncoder().encode(self), as: UTF8.self)
    }
}
