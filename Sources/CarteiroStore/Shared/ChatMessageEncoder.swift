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
        case .customer: json.enumCase("author", "customer")
        case .bot: json.enumCase("author", "bot")
        case .system: json.enumCase("author", "system")
        case .agent(let id): json.enumCase("author", "agent", id: id)
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

extension JSONObjectWriter {
    /// A case of an enum as synthesized `Codable` writes it: `{"bot":{}}`, `{"agent":{"id":"ana"}}`.
    mutating func enumCase(_ key: String, _ name: String, id: String? = nil) {
        beginObject(key: key)
        beginObject(key: name)
        optional("id", id)
        endObject()
        endObject()
    }
}
