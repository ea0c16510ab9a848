import CarteiroDomain
import Foundation

/// Encodes event payloads as `StoreCoding`'s JSON encoder does, byte for byte, writing the
/// payloads appended once per message (`email.sent`, `email.failed`, `chat.message_posted`) by hand:
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
        default:
            if encoder == nil { encoder = StoreCoding.makeEncoder() }
            return try encoder!.encode(payload)
        }
        json.string("kind", payload.kind.rawValue)
        return json.finish()
    }
}

/// A JSON object written key by key, in the order given (the caller's keys are already sorted),
/// with strings escaped as Foundation's `JSONEncoder` escapes them (slashes included).
struct JSONObjectWriter {
    private var bytes: [UInt8]

    init() {
        bytes = []
        bytes.reserveCapacity(320)
        bytes.append(UInt8(ascii: "{"))
    }
    private var needsComma = false

    mutating func beginObject(key: String) {
        self.key(key)
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func string(_ key: String, _ value: String) {
        self.key(key)
        appendQuoted(value)
        needsComma = true
    }

    /// A nil value is left out, as synthesized `Codable` conformances leave it out.
    mutating func optional(_ key: String, _ value: String?) {
        if let value { string(key, value) }
    }

    mutating func integer(_ key: String, _ value: Int) {
        self.key(key)
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    mutating func finish() -> Data {
        bytes.append(UInt8(ascii: "}"))
        return Data(bytes)
    }

    private mutating func key(_ key: String) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        appendQuoted(key)
        bytes.append(UInt8(ascii: ":"))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func appendQuoted(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        // Ids, addresses and relay names rarely hold anything to escape: copied whole then.
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "/") }) {
            bytes.append(contentsOf: string.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "/"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "/")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
