import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import CarteiroStore
import CarteiroTesting
import Foundation
import Logging
import Synchronization
import Testing

/// Relays leave the rotation when they fail (heartbeat, breaker) and come back when they
/// recover: an in-process worker and relay pool against real SMTP servers on loopback, where the
/// failing relay's address later gets a working server.
@Suite(.serialized) struct RelayRecoveryTests {
    let logger = Logger(label: "test.relay-recovery")

    private func relay(_ url: String, name: String) throws -> (RelayConfiguration, any MailTransport) {
        (RelayConfiguration(name: name), try RelayURL.parse(url).makeTransport(name: name, logger: logger))
    }

    private func makeWorker(_ store: SQLiteStore, pool: RelayPool) -> DeliveryWorker {
        DeliveryWorker(
            queue: store.emailJobs, catalog: SendCatalog(sends: store.sends, makeComposer: SendCatalog.plainComposer()), pool: pool,
            configuration: .init(
                workerID: "recovery-test", batchSize: 5, parallelBatches: 2,
                backoff: Backoff(base: .milliseconds(20), cap: .milliseconds(200), maxAttempts: 12),
                idlePoll: .milliseconds(20)),
            logger: logger)
    }

    /// A send of `count` recipients whose jobs fall due one every `spacing`, so traffic keeps
    /// flowing for `count × spacing` instead of arriving in one burst.
    private func enqueueSend(_ store: SQLiteStore, count: Int, prefix: String, spacing: Duration) async throws -> SendID {
        let now = Date()
        let send = try Send(
            stream: .bulk, from: try EmailAddress("ofertas@isp.example"), subject: "Oi", htmlBody: nil, textBody: "Olá", createdAt: now)
        _ = try await store.sends.insert(send)
        let jobs = try (0..<count).map { index in
            EmailJob(
                sendID: send.id, recipient: try EmailAddress("\(prefix)\(index)@example.com"), stream: .bulk,
                dueAt: now.addingTimeInterval(spacing.timeInterval * Double(index)), createdAt: now)
        }
        #expect(try await store.emailJobs.enqueue(jobs, events: []).inserted == count)
        return send.id
    }

    private func waitUntilFinished(_ store: SQLiteStore, send: SendID, timeout: Duration = .seconds(20)) async throws -> [EmailJob] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let counts = try await store.emailJobs.statusCounts(sendID: send)
            if (counts[.queued] ?? 0) + (counts[.leased] ?? 0) + (counts[.retryScheduled] ?? 0) == 0 { break }
            guard ContinuousClock.now < deadline else {
                Issue.record("send did not finish: \(counts)")
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await store.emailJobs.jobs(sendID: send, page: try PageRequest(limit: 1_000)).items
    }

    private func status(_ pool: RelayPool, _ name: String) async throws -> RelayStatus {
        try #require(await pool.snapshot().first { $0.name == name })
    }

    @Test func relayFailingItsHeartbeatGetsNoTrafficUntilAHeartbeatPassesThenTakesItsShare() async throws {
        let up = try await SMTPSink.Postfix.start()
        defer { up.stop() }
        let latePort = try freeLoopbackPort()
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let pool = RelayPool(
            relays: [try relay(up.url, name: "up"), try relay("smtp://127.0.0.1:\(latePort)", name: "late")], clock: SystemWallClock())

        // Nothing listens on the late relay's port: its first heartbeat fails.
        await pool.probeAll()
        #expect(try await status(pool, "late").healthy == false)
        #expect(try await status(pool, "late").heartbeatFailure != nil)
        let heartbeats = Task { await pool.runHeartbeats(every: .milliseconds(200)) }
        defer { heartbeats.cancel() }
        let running = Task { try await makeWorker(store, pool: pool).run() }
        defer { running.cancel() }

        // Phase 1, over about a second (several failed heartbeats): everything goes to "up".
        let first = try await enqueueSend(store, count: 100, prefix: "first", spacing: .milliseconds(10))
        let firstJobs = try await waitUntilFinished(store, send: first)
        #expect(firstJobs.count == 100)
        #expect(firstJobs.allSatisfy { $0.status == .sent && $0.relay == "up" && $0.attempts == 1 }, "no job was tried on the down relay")
        let lateWhileDown = try await status(pool, "late")
        #expect(lateWhileDown.healthy == false)
        #expect(lateWhileDown.sent + lateWhileDown.failed == 0, "the down relay was never leased")
        #expect(await up.waitForCounters { $0.messages >= 100 }.messages == 100)

        // Phase 2: a server comes up on that port; the next heartbeat puts the relay back.
        let late = try await SMTPSink.Postfix.start(port: latePort)
        defer { late.stop() }
        let deadline = ContinuousClock.now + .seconds(5)
        while try await status(pool, "late").healthy == false {
            guard ContinuousClock.now < deadline else { throw CarteiroProcess.TimedOut(what: "a passing heartbeat of the late relay") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let second = try await enqueueSend(store, count: 200, prefix: "second", spacing: .milliseconds(5))
        let secondJobs = try await waitUntilFinished(store, send: second)
        running.cancel()
        _ = try? await running.value
        heartbeats.cancel()
        await heartbeats.value
        await pool.shutdown()

        #expect(secondJobs.count == 200)
        #expect(secondJobs.allSatisfy { $0.status == .sent && $0.attempts == 1 })
        let toLate = secondJobs.count { $0.relay == "late" }
        let toUp = secondJobs.count { $0.relay == "up" }
        #expect(toLate + toUp == 200)
        // Round robin over two relays: the recovered one takes a real share, not a token message.
        #expect(toLate >= 50, "the recovered relay took \(toLate) of 200")
        #expect(await late.waitForCounters { $0.messages >= toLate }.messages == toLate, "each message recorded as sent through 'late' arrived there")
        #expect(await up.waitForCounters { $0.messages >= 100 + toUp }.messages == 100 + toUp)
        await store.close()
    }

    @Test func relayWhoseBreakerOpenedReturnsToRotationAfterCoolDownAndASuccessfulTrial() async throws {
        let steady = try await SMTPSink.Postfix.start()
        defer { steady.stop() }
        let flakyPort = try freeLoopbackPort()
        // Up (so its heartbeat passes) but answering every RCPT with 450: transient failures only.
        let refusing = try await SMTPSink.Postfix.start(arguments: ["-r", "RCPT"], port: flakyPort)
        defer { refusing.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let transitions = Mutex<[(relay: String, to: CircuitBreaker.State)]>([])
        let pool = RelayPool(
            relays: [try relay(steady.url, name: "steady"), try relay("smtp://127.0.0.1:\(flakyPort)", name: "flaky")],
            breaker: .init(consecutiveFailures: 3, coolDown: .seconds(1)), clock: SystemWallClock(),
            onTransition: { relay, transition in transitions.withLock { $0.append((relay, transition.to)) } })
        func flakyTransitions() -> [String] { transitions.withLock { $0.filter { $0.relay == "flaky" }.map(\.to.description) } }
        let heartbeats = Task { await pool.runHeartbeats(every: .milliseconds(200)) }
        defer { heartbeats.cancel() }
        let running = Task { try await makeWorker(store, pool: pool).run() }
        defer { running.cancel() }

        // Phase 1: "flaky" refuses everything; its breaker opens and its messages are retried on "steady".
        let first = try await enqueueSend(store, count: 60, prefix: "first", spacing: .milliseconds(10))
        let firstJobs = try await waitUntilFinished(store, send: first)
        #expect(firstJobs.count == 60)
        #expect(firstJobs.allSatisfy { $0.status == .sent && $0.relay == "steady" })
        #expect(firstJobs.contains { $0.attempts > 1 }, "some jobs were refused by 'flaky' first and retried")
        #expect(flakyTransitions().first == "open", "transitions: \(flakyTransitions())")
        #expect(flakyTransitions().contains("closed") == false)
        #expect(refusing.counters().messages == 0)
        let flakyDuringPhase1 = try await status(pool, "flaky")
        #expect(flakyDuringPhase1.healthy, "its heartbeat passes: only the breaker keeps it out")
        let failuresInPhase1 = flakyDuringPhase1.failed
        #expect(failuresInPhase1 > 0)

        // Phase 2: the server behind "flaky" now accepts mail; after the cool-down a trial succeeds.
        refusing.stop()
        let accepting = try await SMTPSink.Postfix.start(port: flakyPort)
        defer { accepting.stop() }
        let transitionsBefore = flakyTransitions().count
        let second = try await enqueueSend(store, count: 300, prefix: "second", spacing: .milliseconds(10))
        let secondJobs = try await waitUntilFinished(store, send: second)
        running.cancel()
        _ = try? await running.value
        heartbeats.cancel()
        await heartbeats.value
        await pool.shutdown()

        #expect(secondJobs.count == 300)
        #expect(secondJobs.allSatisfy { $0.status == .sent })
        let recovery = Array(flakyTransitions().dropFirst(transitionsBefore))
        #expect(recovery.suffix(2) == ["half-open", "closed"], "transitions after the server came back: \(recovery)")
        #expect(try await status(pool, "flaky").breaker == .closed)
        let toFlaky = secondJobs.count { $0.relay == "flaky" }
        let toSteady = secondJobs.count { $0.relay == "steady" }
        #expect(toFlaky + toSteady == 300)
        #expect(toFlaky >= 30, "the recovered relay took \(toFlaky) of 300")
        #expect(await accepting.waitForCounters { $0.messages >= toFlaky }.messages == toFlaky, "each message recorded as sent through 'flaky' arrived there")
        #expect(await steady.waitForCounters { $0.messages >= 60 + toSteady }.messages == 60 + toSteady)
        await store.close()
    }
}
