import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import CarteiroStore
import CarteiroTesting
import CurlKit
import Foundation
import Logging
import Testing

/// Relay health is shared by the workers on one store: one probes, the others adopt its verdict.
@Suite(.serialized) struct SharedHeartbeatTests {
    let logger = Logger(label: "test.heartbeat")

    private func pool(_ relays: [(String, String)], reporter: RelayStateReporter, clock: any WallClock) -> RelayPool {
        RelayPool(
            relays: relays.map { name, url in
                (
                    RelayConfiguration(name: name),
                    SMTPRelayTransport(
                        name: name, configuration: SMTPRelayConfiguration(url: url, startTLS: .none, connectTimeout: .seconds(2), maxConnections: 1),
                        logger: logger) as any MailTransport
                )
            }, clock: clock, onTransition: { relay, transition in reporter.breakerChanged(relay: relay, transition: transition, at: clock.now()) })
    }

    @Test func aSecondWorkerAdoptsTheFirstWorkersHeartbeatInsteadOfProbingAndProbesOnceItIsStale() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let downURL = "smtp://127.0.0.1:\(try freeLoopbackPort())"
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let clock = ManualClock(Date())
        let relays = [("up", sink.url), ("down", downURL)]

        let firstReporter = RelayStateReporter(board: store.relayStates, workerID: "w1", logger: logger)
        let firstPool = pool(relays, reporter: firstReporter, clock: clock)
        let first = SharedRelayHeartbeat(pool: firstPool, board: store.relayStates, reporter: firstReporter, workerID: "w1", interval: .seconds(10), clock: clock, logger: logger)
        let secondReporter = RelayStateReporter(board: store.relayStates, workerID: "w2", logger: logger)
        let secondPool = pool(relays, reporter: secondReporter, clock: clock)
        let second = SharedRelayHeartbeat(pool: secondPool, board: store.relayStates, reporter: secondReporter, workerID: "w2", interval: .seconds(10), clock: clock, logger: logger)

        await first.beat()
        let probesAfterFirst = sink.connectionCount()
        #expect(probesAfterFirst == 1)
        clock.advance(by: .seconds(3))
        await second.beat()
        #expect(sink.connectionCount() == probesAfterFirst, "the second worker adopted the fresh verdict instead of probing")
        let adopted = await secondPool.snapshot()
        #expect(adopted.first { $0.name == "down" }?.healthy == false, "the down relay left the second worker's rotation without it probing")
        #expect(adopted.first { $0.name == "up" }?.healthy == true)
        #expect(await secondPool.lease(for: .bulk)?.relay == "up")

        let states = try await store.relayStates.relayStates()
        #expect(states.map(\.relay) == ["down", "up"])
        #expect(states.allSatisfy { $0.lastProbe?.worker == "w1" })
        #expect(states.first { $0.relay == "down" }?.lastProbe?.passed == false)

        clock.advance(by: .seconds(10))
        await second.beat()
        #expect(sink.connectionCount() == probesAfterFirst + 1, "a stale verdict is probed again")
        #expect(try await store.relayStates.relayStates().allSatisfy { $0.lastProbe?.worker == "w2" })

        await firstPool.shutdown()
        await secondPool.shutdown()
        await store.close()
    }

    @Test func breakerChangesAreStoredPerWorkerForTheAPI() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let clock = ManualClock(Date())
        let reporter = RelayStateReporter(board: store.relayStates, workerID: "w1", logger: logger)
        let writing = Task { await reporter.run() }
        let relayPool = pool([("down", "smtp://127.0.0.1:\(try freeLoopbackPort())")], reporter: reporter, clock: clock)
        // Five transient failures in a row open the breaker (the default configuration).
        for _ in 0..<5 {
            guard let lease = await relayPool.lease(for: .bulk) else { break }
            let failure = TransportFailure(failure: DeliveryFailure(replyCode: 421, text: "421 4.3.2 shutting down"), isTransient: true)
            await relayPool.complete(lease, outcomes: [.rejected(failure)])
        }
        let deadline = ContinuousClock.now + .seconds(5)
        var stored: RelayBreakerRecord?
        while stored == nil, ContinuousClock.now < deadline {
            stored = try await store.relayStates.relayStates().first?.breakers.first
            if stored == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(stored?.relay == "down")
        #expect(stored?.worker == "w1")
        #expect(stored?.state == .open)
        #expect(stored?.openUntil != nil)
        reporter.finish()
        await writing.value
        await relayPool.shutdown()
        await store.close()
    }
}
