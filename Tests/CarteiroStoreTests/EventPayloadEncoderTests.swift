import CarteiroDomain
import Foundation
import Testing

@testable import CarteiroStore

@Suite struct EventPayloadEncoderTests {
    static let awkwardStrings = [
        "relay-1", "", "quote \" backslash \\ slash / done", "controls \u{0}\u{1}\u{7}\u{8}\u{9}\u{A}\u{B}\u{C}\u{D}\u{1B}\u{1F} del \u{7F}",
        "São Paulo — 日本 🎉", "\u{2028}\u{2029}",
    ]

    static func payloads() throws -> [EventPayload] {
        var payloads: [EventPayload] = []
        for text in awkwardStrings {
            // Readers validate the recipient again, so it stays a valid address; the other fields carry the text.
            let recipient = try EmailAddress("Ana.Souza+\(text.count)@Example.com")
            payloads.append(
                .emailSent(
                    .init(
                        jobID: EmailJobID(rawValue: "job\(text)"), sendID: SendID(), campaignID: nil, contactID: nil, recipient: recipient,
                        relay: text)))
            payloads.append(
                .emailSent(
                    .init(
                        jobID: EmailJobID(), sendID: SendID(rawValue: text), campaignID: CampaignID(rawValue: text), contactID: ContactID(),
                        recipient: recipient, relay: "r")))
            for failure in [
                DeliveryFailure(text: text), DeliveryFailure(replyCode: 550, enhancedStatus: "5.1.1", text: text),
                DeliveryFailure(replyCode: -1, text: text), DeliveryFailure(enhancedStatus: text, text: "x"),
            ] {
                payloads.append(
                    .emailFailed(
                        .init(
                            jobID: EmailJobID(), sendID: SendID(), campaignID: CampaignID(), contactID: nil, recipient: recipient, failure: failure,
                            attempts: 12)))
            }
        }
        payloads.append(.chatClosed(.init(conversationID: ConversationID(), closedBy: "agent/1")))
        for (text, sequence) in zip(awkwardStrings, [1, 0, -3, 42, Int.max, 7]) {
            payloads.append(
                .chatMessagePosted(.init(conversationID: ConversationID(rawValue: text), messageID: ChatMessageID(), sequence: sequence)))
        }
        var random = SystemRandomNumberGenerator()
        let confidences = [0, 1, 0.5, 0.1, 0.87341, 1e-7, 0.999999999, 1.0 / 3] + (0..<200).map { _ in Double.random(in: 0...1, using: &random) }
        for (index, confidence) in confidences.enumerated() {
            let text = awkwardStrings[index % awkwardStrings.count]
            payloads.append(
                .chatIntentDetected(
                    .init(
                        conversationID: ConversationID(rawValue: text), contactID: index.isMultiple(of: 2) ? nil : ContactID(), intent: text,
                        confidence: confidence)))
        }
        return payloads
    }

    @Test func payloadsAreTheBytesTheStoresJSONEncoderWrites() throws {
        var fast = EventPayloadEncoder()
        let codable = StoreCoding.makeEncoder()
        let decoder = StoreCoding.makeDecoder()
        for payload in try Self.payloads() {
            let written = try fast.encode(payload)
            let expected = try codable.encode(payload)
            #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
            #expect(written == expected)
            #expect(try decoder.decode(EventPayload.self, from: written) == payload)
            // Read back by hand where it can be, by the decoder otherwise: the same payload.
            #expect(try EventPayloadDecoder.decode(written, decoder: decoder) == payload)
        }
    }

    @Test func aPostedPayloadInAnotherShapeIsLeftToTheDecoder() throws {
        let decoder = StoreCoding.makeDecoder()
        let reordered = Data(#"{"kind":"chat.message_posted","data":{"sequence":3,"messageID":"m","conversationID":"c"}}"#.utf8)
        #expect(
            try EventPayloadDecoder.decode(reordered, decoder: decoder)
                == .chatMessagePosted(.init(conversationID: ConversationID(rawValue: "c"), messageID: ChatMessageID(rawValue: "m"), sequence: 3)))
        let wrongType = Data(#"{"data":{"conversationID":"c","messageID":"m","sequence":"3"},"kind":"chat.message_posted"}"#.utf8)
        #expect(throws: DecodingError.self) { try EventPayloadDecoder.decode(wrongType, decoder: decoder) }
    }
}

@Suite struct ChatMessageEncoderTests {
    @Test func messagesAreTheBytesTheStoresJSONEncoderWrites() throws {
        let codable = StoreCoding.makeEncoder()
        let decoder = StoreCoding.makeDecoder()
        let authors: [ChatMessage.Author] = [.customer, .bot, .system, .agent(id: "ana"), .agent(id: "quote \" slash /")]
        var messages: [ChatMessage] = []
        for (index, text) in EventPayloadEncoderTests.awkwardStrings.filter({ !$0.isEmpty }).enumerated() {
            for (offset, author) in authors.enumerated() {
                messages.append(
                    try ChatMessage(
                        conversationID: ConversationID(rawValue: "c\(text)"), sequence: 1 + index * 10 + offset, author: author, text: text,
                        clientMessageID: offset.isMultiple(of: 2) ? nil : text, quickReplies: offset == 1 ? [text, "Manhã"] : [],
                        notice: ChatMessage.Notice.allCases.randomElement().flatMap { offset == 2 ? $0 : nil },
                        createdAt: Date(timeIntervalSince1970: 1_790_000_000.123 + Double(index))))
            }
        }
        for message in messages {
            let written = ChatMessageEncoder.encode(message)
            let expected = try codable.encode(message)
            #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
            #expect(try decoder.decode(ChatMessage.self, from: written) == message)
        }
    }
}

@Suite struct ConversationEncoderTests {
    @Test func conversationsAreTheBytesTheStoresJSONEncoderWrites() throws {
        let codable = StoreCoding.makeEncoder()
        let decoder = StoreCoding.makeDecoder()
        var conversations: [Conversation] = []
        for (index, text) in EventPayloadEncoderTests.awkwardStrings.filter({ !$0.isEmpty }).enumerated() {
            let now = Date(timeIntervalSince1970: 1_790_000_000.123 + Double(index))
            var plain = try Conversation(channel: "web \(text)", customerID: "anon-\(text)", locale: text, createdAt: now)
            plain.version = index
            conversations.append(plain)
            var full = plain
            full.customerEmail = try EmailAddress("ana+\(index)@example.com")
            full.customerName = text
            full.detectedIntents = [text, "greeting"]
            full.lastSequence = 40 + index
            full.resumeTokenHash = "ab\(index)"
            full.botState = #"{"locale":"pt-BR","slots":{"address":"\#(text)"}}"#
            full.updatedAt = now.addingTimeInterval(3.5)
            try full.requestAgent(at: now.addingTimeInterval(1))
            conversations.append(full)
            var claimed = full
            try claimed.assign(toAgent: "agent \(text)", at: now.addingTimeInterval(2))
            conversations.append(claimed)
            var byEmail = claimed
            byEmail.emailThread = Conversation.EmailThread(subject: text, supportAddress: "suporte@example.com", firstMessageID: "q\(index)@example.com")
            byEmail.emailThread?.add("\(text)@example.com", fromCustomer: false)
            conversations.append(byEmail)
            var bare = plain
            bare.emailThread = Conversation.EmailThread(subject: "", supportAddress: nil, firstMessageID: nil)
            conversations.append(bare)
        }
        for conversation in conversations {
            let written = ConversationEncoder.encode(conversation)
            let expected = try codable.encode(conversation)
            #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
            let read = try decoder.decode(Conversation.self, from: written)
            #expect(read.owner == conversation.owner && read.waitingSince == conversation.waitingSince && read.botState == conversation.botState)
            #expect(read.emailThread == conversation.emailThread)
        }
    }
}

@Suite struct SystemSeededEventIDTests {
    @Test func idsDrawnInOneMillisecondAreDistinctVersion7UUIDs() {
        var generator = SplitMix64.seededBySystem()
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let ids = (0..<10_000).map { _ in EventID(at: now, using: &generator).rawValue }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 36 && Array($0)[14] == "7" })
        // A second write draws another sequence.
        var other = SplitMix64.seededBySystem()
        #expect(EventID(at: now, using: &other).rawValue != ids[0])
    }
}
