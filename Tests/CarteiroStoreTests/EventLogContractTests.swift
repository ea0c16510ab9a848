import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

func handoffEvent(_ index: Int, at date: Date) -> DomainEvent {
    DomainEvent(occurredAt: date, payload: .chatHandoffRequested(.init(conversationID: ConversationID(), reason: "test \(index)")))
}

@Suite("Event log: one contract, both backends")
struct EventLogContractTests {
    @Test(arguments: Backend.allCases)
    func appendedEventsReadBackInOrderWithIncreasingPositions(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let first = try await fixture.store.events.append((0..<3).map { handoffEvent($0, at: fixture.clock.now()) })
            let second = try await fixture.store.events.append((3..<5).map { handoffEvent($0, at: fixture.clock.now()) })
            let positions = (first + second).compactMap(\.position)
            #expect(positions.count == 5)
            #expect(positions == positions.sorted() && Set(positions).count == 5)
            let read = try await fixture.store.events.read(after: 0, limit: 100)
            #expect(read.map(\.id) == (first + second).map(\.id))
            #expect(read == first + second, "payload, time and position survive the round trip")
            let tail = try await fixture.store.events.read(after: positions[2], limit: 100)
            #expect(tail.map(\.id) == second.map(\.id))
            #expect(try await fixture.store.events.lastPosition() == positions.last)
        }
    }

    @Test(arguments: Backend.allCases)
    func checkpointNeverMovesBackwards(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            #expect(try await fixture.store.events.checkpoint(of: "mailer") == 0)
            try await fixture.store.events.saveCheckpoint(42, of: "mailer")
            try await fixture.store.events.saveCheckpoint(7, of: "mailer")
            #expect(try await fixture.store.events.checkpoint(of: "mailer") == 42)
            #expect(try await fixture.store.events.checkpoint(of: "other") == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func parkedEventIsListedUntilUnparked(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let events = try await fixture.store.events.append((0..<2).map { handoffEvent($0, at: fixture.clock.now()) })
            try await fixture.store.events.park(events[1], subscriber: "crm", error: "crm is down", at: fixture.clock.now())
            let parked = try await fixture.store.events.parked(subscriber: "crm")
            #expect(parked.map(\.event.id) == [events[1].id])
            #expect(parked.first?.error == "crm is down")
            #expect(try await fixture.store.events.parked(subscriber: "other").isEmpty)
            let unparked = try await fixture.store.events.unpark(events[1].id, subscriber: "crm")
            #expect(unparked?.event == events[1])
            #expect(try await fixture.store.events.parked(subscriber: "crm").isEmpty)
        }
    }
}
