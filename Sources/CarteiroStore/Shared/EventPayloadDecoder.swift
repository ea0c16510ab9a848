import CarteiroDomain
import CarteiroJSON
import Foundation

/// Reads back the payloads `EventPayloadEncoder` writes by hand for `chat.message_posted` (every
/// chat process's feed reads each one) without `JSONDecoder`; any other payload, or one not in
/// exactly that shape, goes to `decoder`.
enum EventPayloadDecoder {
    private static let postedPrefix = Array(#"{"data":"#.utf8)
    private static let postedSuffix = Array(#","kind":"chat.message_posted"}"#.utf8)

    static func decode(_ payload: Data, decoder: JSONDecoder) throws -> EventPayload {
        if let posted = chatMessagePosted(payload) { return .chatMessagePosted(posted) }
        return try decoder.decode(EventPayload.self, from: payload)
    }

    private static func chatMessagePosted(_ payload: Data) -> EventPayload.ChatMessagePosted? {
        let bytes = [UInt8](payload)
        guard bytes.count > postedPrefix.count + postedSuffix.count, bytes.starts(with: postedPrefix),
            bytes.suffix(postedSuffix.count).elementsEqual(postedSuffix)
        else { return nil }
        let data = String(decoding: bytes[postedPrefix.count..<(bytes.count - postedSuffix.count)], as: UTF8.self)
        guard let members = FlatJSONObject.parse(data), members.count == 3 else { return nil }
        var conversationID: String?
        var messageID: String?
        var sequence: Int?
        for member in members {
            switch (member.key, member.value) {
            case ("conversationID", .string(let value)): conversationID = value
            case ("messageID", .string(let value)): messageID = value
            case ("sequence", .integer(let value)): sequence = value
            default: return nil
            }
        }
        guard let conversationID, let messageID, let sequence else { return nil }
        return .init(conversationID: ConversationID(rawValue: conversationID), messageID: ChatMessageID(rawValue: messageID), sequence: sequence)
    }
}
