import CarteiroDomain
import CarteiroJSON
import Foundation

/// Encodes a chat message as `StoreCoding`'s JSON encoder does, byte for byte, by hand: every
/// message of a conversation is encoded once, and through Codable that cost more than storing it.
enum ChatMessageEncoder {
    static func encode(_ message: ChatMessage) -> Data {
        var json = JSONObjectWriter()
        // Keys in sorted order, as `.sortedKeys` writes them; nil optionals left out.
        switch message.author {
        case .customer: json.raw("author", #"{"customer":{}}"#.utf8)
        case .bot: json.raw("author", #"{"bot":{}}"#.utf8)
        case .system: json.raw("author", #"{"system":{}}"#.utf8)
        case .agent(let id):
            json.beginObject(key: "author")
            json.beginObject(key: "agent")
            json.string("id", id)
            json.endObject()
            json.endObject()
        }
        json.optional("clientMessageID", message.clientMessageID)
        json.string("conversationID", message.conversationID.rawValue)
        json.integer("createdAt", Int(StoreCoding.milliseconds(message.createdAt)))
        json.string("id", message.id.rawValue)
        json.optional("notice", message.notice?.rawValue)
        json.strings("quickReplies", message.quickReplies)
        json.integer("sequence", message.sequence)
        json.string("text", message.text)
        return json.finish()
    }
}
