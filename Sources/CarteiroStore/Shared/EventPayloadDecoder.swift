import CarteiroDomain
import CarteiroJSON
import Foundation

/// Reads back the chat payloads `EventPayloadEncoder` writes by hand (every chat process's feed
/// reads each one) without `JSONDecoder`; any other payload, or one not in exactly the shape
/// written, goes to `decoder`.
enum EventPayloadDecoder {
    static func decode(_ payload: Data, decoder: JSONDecoder) throws -> EventPayload {
        let bytes = [UInt8](payload)
        if let members = dataMembers(bytes, kind: .chatMessagePosted), let posted = chatMessagePosted(members) {
            return .chatMessagePosted(posted)
        }
        if let members = dataMembers(bytes, kind: .chatIntentDetected), let detected = chatIntentDetected(members) {
            return .chatIntentDetected(detected)
        }
        return try decoder.decode(EventPayload.self, from: payload)
    }

    /// The members of `{"data":{…},"kind":"<kind>"}` when `data` is a flat object.
    private static func dataMembers(_ bytes: [UInt8], kind: DomainEvent.Kind) -> [FlatJSONObject.Member]? {
        let prefix = #"{"data":"#.utf8
        let suffix = Array(#","kind":"\#(kind.rawValue)"}"#.utf8)
        guard bytes.count > prefix.count + suffix.count, bytes.starts(with: prefix), bytes.suffix(suffix.count).elementsEqual(suffix) else {
            return nil
        }
        return FlatJSONObject.parse(String(decoding: bytes[prefix.count..<(bytes.count - suffix.count)], as: UTF8.self))
    }

    private static func chatMessagePosted(_ members: [FlatJSONObject.Member]) -> EventPayload.ChatMessagePosted? {
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

    private static func chatIntentDetected(_ members: [FlatJSONObject.Member]) -> EventPayload.ChatIntentDetected? {
        var conversationID: String?
        var contactID: String?
        var intent: String?
        var confidence: Double?
        for member in members {
            switch (member.key, member.value) {
            case ("conversationID", .string(let value)): conversationID = value
            case ("contactID", .string(let value)): contactID = value
            case ("contactID", .null): break
            case ("intent", .string(let value)): intent = value
            case ("confidence", .number(let value)): confidence = value
            case ("confidence", .integer(let value)): confidence = Double(value)
            default: return nil
            }
        }
        guard let conversationID, let intent, let confidence else { return nil }
        return .init(
            conversationID: ConversationID(rawValue: conversationID), contactID: contactID.map(ContactID.init(rawValue:)), intent: intent,
            confidence: confidence)
    }
}
