import CarteiroDomain
import CarteiroJSON
import Foundation

/// Encodes a conversation as `StoreCoding`'s JSON encoder does, byte for byte, by hand: a bot
/// conversation is rewritten with every answer (its dialogue state and last sequence change).
enum ConversationEncoder {
    static func encode(_ conversation: Conversation) -> Data {
        var json = JSONObjectWriter()
        // Keys in sorted order, as `.sortedKeys` writes them; nil optionals left out.
        json.optional("botState", conversation.botState)
        json.string("channel", conversation.channel)
        json.integer("createdAt", Int(StoreCoding.milliseconds(conversation.createdAt)))
        json.optional("customerEmail", conversation.customerEmail?.value)
        json.string("customerID", conversation.customerID)
        json.optional("customerName", conversation.customerName)
        json.strings("detectedIntents", conversation.detectedIntents)
        if let thread = conversation.emailThread {
            json.beginObject(key: "emailThread")
            json.optional("lastCustomerMessageID", thread.lastCustomerMessageID)
            json.strings("messageIDs", thread.messageIDs)
            json.string("subject", thread.subject)
            json.optional("supportAddress", thread.supportAddress)
            json.endObject()
        }
        if let handedOffAt = conversation.handedOffAt { json.integer("handedOffAt", Int(StoreCoding.milliseconds(handedOffAt))) }
        json.string("id", conversation.id.rawValue)
        json.integer("lastSequence", conversation.lastSequence)
        json.string("locale", conversation.locale)
        switch conversation.owner {
        case .bot: json.enumCase("owner", "bot")
        case .agent(let id): json.enumCase("owner", "agent", id: id)
        }
        json.optional("resumeTokenHash", conversation.resumeTokenHash)
        json.string("status", conversation.status.rawValue)
        json.integer("updatedAt", Int(StoreCoding.milliseconds(conversation.updatedAt)))
        json.integer("version", conversation.version)
        if let waitingSince = conversation.waitingSince { json.integer("waitingSince", Int(StoreCoding.milliseconds(waitingSince))) }
        return json.finish()
    }
}
