import CarteiroDomain
import Foundation
import Testing

@Suite struct IdentifierAndEventTests {
    @Test func identifiersSortInCreationOrder() {
        let base = Date(timeIntervalSince1970: 1_790_000_000)
        let ids = (0..<1000).map { ContactID(at: base.addingTimeInterval(Double($0) / 1000)) }
        #expect(ids == ids.sorted(), "identifiers made one millisecond apart sort in creation order")
        #expect(Set(ids).count == 1000)
        #expect(ids[0].rawValue.count == 36)
    }

    @Test func eventPayloadSurvivesJSONWithItsKind() throws {
        let event = DomainEvent(
            occurredAt: Date(timeIntervalSince1970: 1_790_000_000),
            payload: .chatIntentDetected(.init(conversationID: ConversationID(), contactID: nil, intent: "plan_change", confidence: 0.93)))
        let data = try JSONEncoder().encode(event)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"chat.intent_detected\""))
        #expect(try JSONDecoder().decode(DomainEvent.self, from: data) == event)
    }

    @Test func everyKindNamesItsPayload() {
        #expect(DomainEvent.Kind.allCases.map(\.rawValue).allSatisfy { $0.contains(".") })
        #expect(Set(DomainEvent.Kind.allCases.map(\.rawValue)).count == DomainEvent.Kind.allCases.count)
    }
}
