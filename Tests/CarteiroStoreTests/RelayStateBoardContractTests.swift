import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

@Suite("Relay state board: one contract, both backends")
struct RelayStateBoardContractTests {
    @Test(arguments: Backend.allCases)
    func newestProbeWinsWhateverOrderProbesArriveIn(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let board = fixture.store.relayStates
            let start = fixture.clock.now()
            let failure = DeliveryFailure(replyCode: 421, enhancedStatus: "4.3.2", text: "shutting down")
            let first = RelayProbe(relay: "relay-a", worker: "worker-1", at: start, failure: nil)
            let newer = RelayProbe(relay: "relay-a", worker: "worker-2", at: start.addingTimeInterval(10), failure: failure)
            let late = RelayProbe(relay: "relay-a", worker: "worker-1", at: start.addingTimeInterval(5), failure: nil)
            let sameTime = RelayProbe(relay: "relay-a", worker: "worker-3", at: newer.at, failure: nil)

            try await board.recordProbe(first)
            #expect(try await board.relayStates().first?.lastProbe == first)
            try await board.recordProbe(newer)
            #expect(try await board.relayStates().first?.lastProbe == newer, "a newer probe from another worker replaces it")
            try await board.recordProbe(late)
            try await board.recordProbe(sameTime)
            let states = try await board.relayStates()
            #expect(states.count == 1)
            #expect(states.first?.lastProbe == newer, "an older probe, or one no newer, is ignored")
            #expect(states.first?.lastProbe?.passed == false)
        }
    }

    @Test(arguments: Backend.allCases)
    func eachWorkersBreakerRecordReplacesOnlyItsOwn(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let board = fixture.store.relayStates
            let start = fixture.clock.now()
            let openUntil = start.addingTimeInterval(30)
            try await board.recordBreaker(.init(relay: "relay-a", worker: "worker-2", state: .open, openUntil: openUntil, at: start))
            try await board.recordBreaker(.init(relay: "relay-a", worker: "worker-1", state: .closed, at: start))
            try await board.recordBreaker(.init(relay: "relay-a", worker: "worker-1", state: .halfOpen, at: start.addingTimeInterval(1)))

            let state = try #require(try await board.relayStates().first)
            #expect(state.relay == "relay-a")
            #expect(state.lastProbe == nil, "a relay with breaker records but no probe is listed")
            #expect(
                state.breakers == [
                    RelayBreakerRecord(relay: "relay-a", worker: "worker-1", state: .halfOpen, at: start.addingTimeInterval(1)),
                    RelayBreakerRecord(relay: "relay-a", worker: "worker-2", state: .open, openUntil: openUntil, at: start),
                ])
        }
    }

    @Test(arguments: Backend.allCases)
    func relaysAreListedByNameWithTheirOwnRecords(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let board = fixture.store.relayStates
            let now = fixture.clock.now()
            try await board.recordProbe(RelayProbe(relay: "relay-c", worker: "worker-1", at: now, failure: nil))
            try await board.recordBreaker(.init(relay: "relay-b", worker: "worker-1", state: .closed, at: now))
            try await board.recordProbe(RelayProbe(relay: "relay-a", worker: "worker-1", at: now, failure: nil))

            let states = try await board.relayStates()
            #expect(states.map(\.relay) == ["relay-a", "relay-b", "relay-c"])
            #expect(states.map { $0.lastProbe?.relay } == ["relay-a", nil, "relay-c"])
            #expect(states.map(\.breakers.count) == [0, 1, 0])
        }
    }
}
