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

    @Test func identifiersAreUUIDv7WithTheirMillisecondFirst() {
        let date = Date(timeIntervalSince1970: 1_790_000_000.123)
        let id = EventID(at: date).rawValue
        let parts = id.split(separator: "-").map(String.init)
        #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
        #expect(UInt64(parts[0] + parts[1], radix: 16) == 1_790_000_000_123)
        #expect(parts[2].first == "7", "version 7")
        #expect("89ab".contains(parts[3].first!), "variant 10")
        #expect(id.allSatisfy { "0123456789abcdef-".contains($0) })
    }

    @Test func identifiersMadeAtOnceOnManyThreadsAreAllDifferent() async {
        let date = Date(timeIntervalSince1970: 1_790_000_000)
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 { group.addTask { (0..<5_000).map { _ in EventID(at: date).rawValue } } }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(Set(ids).count == 40_000, "same millisecond, 40,000 identifiers, no repeat")
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
