import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import CarteiroTesting
import Foundation
import Synchronization
import Testing

/// A transport that answers from a script and counts what was asked of it.
final class FakeTransport: MailTransport {
    let name: String
    private let state: Mutex<(outcome: TransportOutcome, probe: TransportFailure?, shutdowns: Int)>

    init(_ name: String, outcome: TransportOutcome = .accepted, probe: TransportFailure? = nil) {
        self.name = name
        state = Mutex((outcome, probe, 0))
    }

    var shutdowns: Int { state.withLock { $0.shutdowns } }
    func setProbe(_ failure: TransportFailure?) { state.withLock { $0.probe = failure } }

    func deliver(_ messages: [ComposedMessage]) async -> [TransportOutcome] {
        let outcome = state.withLock { $0.outcome }
        return messages.map { _ in outcome }
    }

    func probe() async -> TransportFailure? { state.withLock { $0.probe } }
    func shutdown() async { state.withLock { $0.shutdowns += 1 } }
}

final class TransitionRecorder: Sendable {
    private let log = Mutex<[(String, CircuitBreaker.Transition)]>([])
    var all: [(String, CircuitBreaker.Transition)] { log.withLock { $0 } }
    func record(_ relay: String, _ transition: CircuitBreaker.Transition) { log.withLock { $0.append((relay, transition)) } }
}

@Suite struct RelayPoolTests {
    let transient = TransportOutcome.rejected(TransportFailure(failure: DeliveryFailure(replyCode: 421, text: "busy"), isTransient: true))
    let permanent = TransportOutcome.rejected(TransportFailure(failure: DeliveryFailure(replyCode: 550, text: "no such user"), isTransient: false))
    let down = TransportFailure(failure: DeliveryFailure(text: "connection refused"), isTransient: true)

    private func relays(_ names: String...) -> [(RelayConfiguration, any MailTransport)] {
        names.map { (RelayConfiguration(name: $0), FakeTransport($0) as any MailTransport) }
    }

    /// Leases and completes at once with `outcomes`, returning the relay's name.
    private func send(
        _ pool: RelayPool, _ stream: MailStream = .transactional, excluding: Set<String> = [], outcomes: [TransportOutcome] = [.accepted]
    )
        async -> String?
    {
        guard let lease = await pool.lease(for: stream, excluding: excluding) else { return nil }
        await pool.complete(lease, outcomes: outcomes)
        return lease.relay
    }

    private func status(_ pool: RelayPool, _ name: String) async throws -> RelayStatus {
        try #require(await pool.snapshot().first { $0.name == name })
    }

    @Test func roundRobinAlternatesEvenlyOverThreeRelays() async {
        let pool = RelayPool(relays: relays("a", "b", "c"), clock: ManualClock())
        var picks: [String] = []
        for _ in 0..<300 { picks.append(await send(pool) ?? "none") }
        #expect(Array(picks.prefix(6)) == ["a", "b", "c", "a", "b", "c"])
        #expect(picks.filter { $0 == "a" }.count == 100)
        #expect(picks.filter { $0 == "b" }.count == 100)
        #expect(picks.filter { $0 == "c" }.count == 100)
    }

    @Test func weightedThreeToOneGivesAboutThreeToOneOverFourThousandPicks() async {
        let pool = RelayPool(
            relays: [
                (RelayConfiguration(name: "heavy", weight: 3), FakeTransport("heavy")),
                (RelayConfiguration(name: "light", weight: 1), FakeTransport("light")),
            ],
            strategy: .weighted, clock: ManualClock(), random: SplitMix64(seed: 7))
        var heavy = 0
        for _ in 0..<4000 where await send(pool) == "heavy" { heavy += 1 }
        #expect((2850...3150).contains(heavy), "heavy got \(heavy) of 4000")
    }

    @Test func leastOutstandingPicksTheLeastBusyRelay() async throws {
        let pool = RelayPool(relays: relays("a", "b", "c"), strategy: .leastOutstanding, clock: ManualClock(), random: SplitMix64(seed: 1))
        var held: [RelayLease] = []
        for _ in 0..<3 { held.append(try #require(await pool.lease(for: .bulk))) }
        #expect(Set(held.map(\.relay)) == ["a", "b", "c"])
        let fourth = try #require(await pool.lease(for: .bulk))
        held.append(fourth)
        // `fourth.relay` now has 2 outstanding; give back one lease of another relay: it is the least busy.
        let freed = try #require(held.first { $0.relay != fourth.relay })
        await pool.complete(freed, outcomes: [.accepted])
        let next = try #require(await pool.lease(for: .bulk))
        #expect(next.relay == freed.relay)
        #expect(try await status(pool, fourth.relay).outstanding == 2)
    }

    @Test func openBreakerTakesRelayOutUntilCoolDownAndSuccessfulTrial() async throws {
        let clock = ManualClock()
        let recorder = TransitionRecorder()
        let pool = RelayPool(
            relays: relays("a", "b"), breaker: .init(consecutiveFailures: 2, coolDown: .seconds(30)), clock: clock,
            onTransition: { recorder.record($0, $1) })
        for _ in 0..<2 { #expect(await send(pool, excluding: ["b"], outcomes: [transient, transient]) == "a") }
        #expect(try await status(pool, "a").breaker == .open(until: clock.now().addingTimeInterval(30)))

        for _ in 0..<10 { #expect(await send(pool) == "b") }
        clock.advance(by: .seconds(29))
        for _ in 0..<10 { #expect(await send(pool) == "b") }

        clock.advance(by: .seconds(1))
        var trial: RelayLease?
        for _ in 0..<2 {
            let lease = try #require(await pool.lease(for: .transactional))
            if lease.relay == "a" { trial = lease } else { await pool.complete(lease, outcomes: [.accepted]) }
        }
        let lease = try #require(trial)
        #expect(lease.isTrial)
        // While the trial is out, nothing else goes to "a".
        for _ in 0..<10 { #expect(await send(pool) == "b") }
        await pool.complete(lease, outcomes: [.accepted])
        #expect(try await status(pool, "a").breaker == .closed)
        var picks: Set<String> = []
        for _ in 0..<4 { picks.insert(await send(pool) ?? "none") }
        #expect(picks == ["a", "b"])
        #expect(recorder.all.map(\.0) == ["a", "a", "a"])
        #expect(recorder.all.map(\.1.to) == [.open(until: clock.now()), .halfOpen, .closed])
    }

    @Test func failedTrialKeepsRelayOutForAnotherCoolDown() async throws {
        let clock = ManualClock()
        let pool = RelayPool(relays: relays("a"), breaker: .init(consecutiveFailures: 1, coolDown: .seconds(30)), clock: clock)
        #expect(await send(pool, outcomes: [transient]) == "a")
        #expect(await pool.lease(for: .transactional)?.relay == nil)
        clock.advance(by: .seconds(30))
        #expect(await send(pool, outcomes: [transient]) == "a")
        #expect(await pool.lease(for: .transactional)?.relay == nil)
        #expect(await pool.nextAvailability() == clock.now().addingTimeInterval(30))
    }

    @Test func permanentRejectionsNeverOpenTheBreaker() async throws {
        let pool = RelayPool(relays: relays("a"), breaker: .init(consecutiveFailures: 2), clock: ManualClock())
        for _ in 0..<50 { #expect(await send(pool, outcomes: [permanent, permanent, permanent]) == "a") }
        let a = try await status(pool, "a")
        #expect(a.breaker == .closed)
        #expect(a.failed == 150)
        #expect(a.sent == 0)
    }

    @Test func heartbeatFailureRemovesRelayAndHeartbeatPassRestoresIt() async throws {
        let a = FakeTransport("a")
        let b = FakeTransport("b")
        let pool = RelayPool(relays: [(RelayConfiguration(name: "a"), a), (RelayConfiguration(name: "b"), b)], clock: ManualClock())
        b.setProbe(down)
        await pool.probeAll()
        #expect(try await status(pool, "b").healthy == false)
        #expect(try await status(pool, "b").heartbeatFailure == down.failure)
        for _ in 0..<6 { #expect(await send(pool) == "a") }

        b.setProbe(nil)
        await pool.probeAll()
        #expect(try await status(pool, "b").healthy)
        var picks: Set<String> = []
        for _ in 0..<4 { picks.insert(await send(pool) ?? "none") }
        #expect(picks == ["a", "b"])
    }

    @Test func runHeartbeatsProbesAndEndsWhenCancelled() async throws {
        let a = FakeTransport("a", probe: down)
        let pool = RelayPool(relays: [(RelayConfiguration(name: "a"), a)], clock: ManualClock())
        let task = Task { await pool.runHeartbeats(every: .seconds(3600)) }
        var spins = 0
        while try await status(pool, "a").healthy, spins < 100_000 {
            spins += 1
            await Task.yield()
        }
        #expect(try await status(pool, "a").healthy == false)
        task.cancel()
        await task.value  // returns instead of sleeping an hour
    }

    @Test func excludingSendsTheRetryToAnotherHealthyRelay() async {
        let pool = RelayPool(relays: relays("a", "b", "c"), clock: ManualClock())
        for _ in 0..<9 { #expect(await send(pool, excluding: ["a"]) != "a") }
        await pool.markHeartbeat(relay: "b", failure: down)
        await pool.markHeartbeat(relay: "c", failure: down)
        // Only the excluded relay is healthy: it is used rather than nothing.
        #expect(await send(pool, excluding: ["a"]) == "a")
    }

    @Test func relaysServeOnlyTheirStreams() async {
        let pool = RelayPool(
            relays: [
                (RelayConfiguration(name: "tx", streams: [.transactional]), FakeTransport("tx")),
                (RelayConfiguration(name: "bulk", streams: [.bulk]), FakeTransport("bulk")),
            ], clock: ManualClock())
        for _ in 0..<5 {
            #expect(await send(pool, .transactional) == "tx")
            #expect(await send(pool, .bulk) == "bulk")
        }
        await pool.markHeartbeat(relay: "bulk", failure: down)
        #expect(await pool.lease(for: .bulk)?.relay == nil)
    }

    @Test func replaceRelaysAddsAndRemovesWithoutLosingStateOfKeptRelays() async throws {
        let clock = ManualClock()
        let a = FakeTransport("a")
        let b = FakeTransport("b")
        let c = FakeTransport("c")
        let pool = RelayPool(
            relays: [(RelayConfiguration(name: "a"), a), (RelayConfiguration(name: "b"), b)], breaker: .init(consecutiveFailures: 1), clock: clock)
        #expect(await send(pool, excluding: ["b"], outcomes: [.accepted, .accepted]) == "a")
        #expect(await send(pool, excluding: ["b"], outcomes: [transient]) == "a")
        let heldOnB = try #require(await pool.lease(for: .bulk, excluding: ["a"]))
        #expect(heldOnB.relay == "b")

        await pool.replaceRelays([(RelayConfiguration(name: "a", weight: 2), a), (RelayConfiguration(name: "c"), c)])
        #expect(await pool.snapshot().map(\.name) == ["a", "c"])
        let kept = try await status(pool, "a")
        #expect(kept.breaker == .open(until: clock.now().addingTimeInterval(30)))
        #expect(kept.sent == 2)
        #expect(kept.failed == 1)
        #expect(a.shutdowns == 0)
        // "b" is shut down only once its outstanding lease comes back.
        #expect(b.shutdowns == 0)
        for _ in 0..<3 { #expect(await send(pool) == "c") }
        await pool.complete(heldOnB, outcomes: [.accepted])
        #expect(b.shutdowns == 1)
    }

    @Test func nilWhenAllRelaysAreDownAndNextAvailabilitySaysWhen() async {
        let clock = ManualClock()
        let pool = RelayPool(relays: relays("a", "b"), breaker: .init(consecutiveFailures: 1, coolDown: .seconds(30)), clock: clock)
        #expect(await send(pool, outcomes: [transient]) == "a")
        clock.advance(by: .seconds(5))
        #expect(await send(pool, outcomes: [transient]) == "b")
        #expect(await pool.lease(for: .transactional)?.relay == nil)
        #expect(await pool.lease(for: .bulk)?.relay == nil)
        #expect(await pool.nextAvailability() == clock.now().addingTimeInterval(25))

        await pool.markHeartbeat(relay: "a", failure: down)
        await pool.markHeartbeat(relay: "b", failure: down)
        clock.advance(by: .seconds(60))
        #expect(await pool.lease(for: .transactional)?.relay == nil)
        #expect(await pool.nextAvailability() == nil)
    }

    @Test func rateLimitHoldsRelayBackUntilItsBucketRefills() async throws {
        let clock = ManualClock()
        let pool = RelayPool(relays: [(RelayConfiguration(name: "a", maxMessagesPerSecond: 2), FakeTransport("a"))], clock: clock)
        // Burst of 2: a batch of 4 leaves the bucket 3 tokens short (1.5 s at 2/s).
        #expect(await send(pool, outcomes: Array(repeating: .accepted, count: 4)) == "a")
        #expect(await pool.lease(for: .bulk)?.relay == nil)
        let when = try #require(await pool.nextAvailability())
        #expect(abs(when.timeIntervalSince(clock.now()) - 1.5) < 1e-6)
        clock.advance(by: .milliseconds(1400))
        #expect(await pool.lease(for: .bulk)?.relay == nil)
        clock.advance(by: .milliseconds(100))
        #expect(await send(pool) == "a")
    }
}
