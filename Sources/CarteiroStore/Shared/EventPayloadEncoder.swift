import CarteiroDomain
import CarteiroJSON
import Foundation

/// Encodes event payloads as `StoreCoding`'s JSON encoder does, byte for byte, writing the
/// payloads appended once per message (`email.sent`, `email.failed`, `chat.message_posted`,
/// `chat.intent_detected`) by hand:
/// through Codable, they cost more than the rest of recording an outcome. Other payloads go
/// through the JSON encoder, made on first use.
struct EventPayloadEncoder {
    private var encoder: JSONEncoder?

    mutating func encode(_ payload: EventPayload) throws -> Data {
        var json = JSONObjectWriter()
        switch payload {
        case .emailSent(let sent):
            json.beginObject(key: "data")
            json.optional("campaignID", sent.campaignID?.rawValue)
            json.optional("contactID", sent.contactID?.rawValue)
            json.string("jobID", sent.jobID.rawValue)
            json.string("recipient", sent.recipient.value)
            json.string("relay", sent.relay)
            json.string("sendID", sent.sendID.rawValue)
            json.endObject()
        case .emailFailed(let failed):
            json.beginObject(key: "data")
            json.integer("attempts", failed.attempts)
            json.optional("campaignID", failed.campaignID?.rawValue)
            json.optional("contactID", failed.contactID?.rawValue)
            json.beginObject(key: "failure")
            json.optional("enhancedStatus", failed.failure.enhancedStatus)
            if let replyCode = failed.failure.replyCode { json.integer("replyCode", replyCode) }
            json.string("text", failed.failure.text)
            json.endObject()
            json.string("jobID", failed.jobID.rawValue)
            json.string("recipient", failed.recipient.value)
            json.string("sendID", failed.sendID.rawValue)
            json.endObject()
        case .chatMessagePosted(let posted):
            json.beginObject(key: "data")
            json.string("conversationID", posted.conversationID.rawValue)
            json.string("messageID", posted.messageID.rawValue)
            json.integer("sequence", posted.sequence)
            json.endObject()
        case .chatIntentDetected(let detected) where detected.confidence.isFinite:
            json.beginObject(key: "data")
            // As the encoder writes a Double: its shortest round-tripping digits, without ".0".
            var confidence = detected.confidence.description
            if confidence.hasSuffix(".0") { confidence.removeLast(2) }
            json.raw("confidence", confidence.utf8)
            json.optional("contactID", detected.contactID?.rawValue)
            json.string("conversationID", detected.conversationID.rawValue)
            json.string("intent", detected.intent)
            json.endObject()
        default:
            if encoder == nil { encoder = StoreCoding.makeEncoder() }
            return try encoder!.encode(payload)
        }
        json.string("kind", payload.kind.rawValue)
        return json.finish()
    }
}
