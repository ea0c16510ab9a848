import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import CarteiroStore
import CarteiroTesting
import CurlKit
import Foundation
import Logging
import Synchronization
import Testing

/// The worker against real SMTP servers on loopback, on the embedded store.
@Suite(.serialized) struct DeliveryPipelineTests {
    let logger = Logger(label: "test.delivery")

    private func smtp(_ url: String, name: String) -> (RelayConfiguration, any MailTransport) {
        (RelayConfiguration(name: name), SMTPRelayTransport(name: name, configuration: SMTPRelayConfiguration(url: url, startTLS: .none, connectTimeout: .seconds(2), maxConnections: 2), logger: logger))
    }

    private func waitUntilFinished(_ store: any Store, send: SendID, timeout: Duration = .seconds(60)) async throws -> [EmailJob.Status: Int] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let counts = try await store.emailJobs.statusCounts(sendID: send)
            if (counts[.queued] ?? 0) + (counts[.leased] ?? 0) + (counts[.retryScheduled] ?? 0) == 0 { return counts }
            guard ContinuousClock.now < deadline else { Issue.record("send did not finish: \(counts)"); return counts }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func threeRelaysOneDownOneFlakyOneRejectingEndWithEveryRecipientSentOrFailedCorrectly() async throws {
        let rejecting = [(pattern: "^reject", reply: "550 5.1.1 <reject@example.com>: Recipient address rejected")]
        let flaky = try await SMTPSink.Scripted.start(.init(recipientReplies: rejecting, everyNthMessage: (3, "451 4.3.0 Try again in 1 seconds")))
        defer { flaky.stop() }
        let strict = try await SMTPSink.Scripted.start(.init(recipientReplies: rejecting))
        defer { strict.stop() }
        let downPort = try freeLoopbackPort()
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))

        let now = Date()
        let send = try Send(stream: .bulk, from: try EmailAddress("ofertas@isp.example"), subject: "Oi {{name}}", htmlBody: nil, textBody: "Olá", createdAt: now)
        _ = try await store.sends.insert(send)
        let jobs = try (0..<60).map { index in
            EmailJob(
                sendID: send.id, recipient: try EmailAddress(index % 10 == 0 ? "reject\(index)@example.com" : "user\(index)@example.com"),
                recipientName: "User \(index)", stream: .bulk, dueAt: now, createdAt: now)
        }
        _ = try await store.emailJobs.enqueue(jobs, events: [])

        let transitions = TransitionLog()
        let pool = RelayPool(
            relays: [smtp("smtp://127.0.0.1:\(downPort)", name: "down"), smtp(flaky.url, name: "flaky"), smtp(strict.url, name: "strict")],
            breaker: .init(consecutiveFailures: 3, coolDown: .seconds(600)), clock: SystemWallClock(), onTransition: { relay, transition in transitions.add(relay, "\(transition.to)") })
        let worker = DeliveryWorker(
            queue: store.emailJobs, catalog: SendCatalog(sends: store.sends, makeComposer: SendCatalog.plainComposer()), pool: pool,
            configuration: .init(workerID: "test", batchSize: 5, parallelBatches: 2, backoff: Backoff(base: .milliseconds(20), cap: .milliseconds(200), maxAttempts: 12)),
            logger: logger)
        let running = Task { try await worker.run() }
        let counts = try await waitUntilFinished(store, send: send.id)
        running.cancel()
        _ = try? await running.value

        #expect(counts[.sent] == 54)
        #expect(counts[.failed] == 6)
        let page = try await store.emailJobs.jobs(sendID: send.id, page: try PageRequest(limit: 100))
        for job in page.items where job.recipient.value.hasPrefix("reject") {
            // A 550 is final at once: failed with the server's reply, never retried after it.
            #expect(job.status == .failed)
            #expect(job.lastError?.replyCode == 550)
            #expect(job.lastError?.enhancedStatus == "5.1.1")
            #expect(job.relay == "strict" || job.relay == "flaky")
        }
        for job in page.items where !job.recipient.value.hasPrefix("reject") {
            #expect(job.status == .sent)
        }
        // Every sent job arrived exactly once, at the relay that took it.
        let received = (flaky.messages() + strict.messages()).flatMap(\.recipients)
        let sentRecipients = page.items.filter { $0.status == .sent }.map(\.recipient.value)
        #expect(received.sorted() == sentRecipients.sorted(), "each sent message reached a sink once; nothing lost or doubled")
        #expect(transitions.relays(enteringState: "open").contains("down"), "the down relay's breaker opened")
        await store.close()
    }
}

final class TransitionLog: Sendable {
    private let entries = Mutex<[(String, String)]>([])
    func add(_ relay: String, _ state: String) { entries.withLock { $0.append((relay, state)) } }
    func relays(enteringState prefix: String) -> Set<String> { Set(entries.withLock { $0 }.filter { $0.1.hasPrefix(prefix) }.map(\.0)) }
}
