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
        }
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

@Suite struct EventIDGeneratorTests {
    @Test func idsDrawnInOneMillisecondAreDistinctVersion7UUIDs() {
        var generator = EventIDGenerator()
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let ids = (0..<10_000).map { _ in EventID(at: now, using: &generator).rawValue }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 36 && Array($0)[14] == "7" })
        // A second write draws another sequence.
        var other = EventIDGenerator()
        #expect(EventID(at: now, using: &other).rawValue != ids[0])
    }
}
