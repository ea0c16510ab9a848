import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import CarteiroStore
import CarteiroTesting
import Foundation
import Logging
import Testing

/// Transactional mail is claimed before bulk mail, so a password reset does not wait behind a
/// newsletter: measured with the worker's production settings against a real SMTP sink.
@Suite(.serialized) struct TransactionalPriorityTests {
    let logger = Logger(label: "test.priority")

    @Test func transactionalJobQueuedBehindFiftyThousandBulkJobsIsSentWithinOneSecond() async throws {
        let sink = try await SMTPSink.Postfix.start(recordMessages: true)
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))

        let bulkTotal = 50_000
        let queuedAt = Date()
        let bulk = try Send(
            stream: .bulk, from: try EmailAddress("ofertas@isp.example"), subject: "Oi {{name}}", htmlBody: nil, textBody: "Olá", createdAt: queuedAt)
        _ = try await store.sends.insert(bulk)
        let bulkJobs = try (0..<bulkTotal).map { index in
            EmailJob(
                sendID: bulk.id, recipient: try EmailAddress("user\(index)@example.com"), recipientName: "User \(index)", stream: .bulk,
                dueAt: queuedAt, createdAt: queuedAt)
        }
        #expect(try await store.emailJobs.enqueue(bulkJobs, events: []).inserted == bulkTotal)

        // The relay and the worker as `carteiro serve --roles worker` builds them (default batch size and lanes).
        let transport = try RelayURL.parse(sink.url).makeTransport(name: "sink", logger: logger)
        let pool = RelayPool(relays: [(RelayConfiguration(name: "sink"), transport)], clock: SystemWallClock())
        let worker = DeliveryWorker(
            queue: store.emailJobs, catalog: SendCatalog(sends: store.sends, makeComposer: SendCatalog.plainComposer()), pool: pool,
            configuration: .init(workerID: "priority-test"), logger: logger)
        let running = Task { try await worker.run() }
        defer { running.cancel() }

        // Bulk traffic is flowing before the transactional message arrives.
        let flowing = await sink.waitForCounters(timeout: .seconds(30)) { $0.messages >= 1_000 }
        try #require(flowing.messages >= 1_000, "bulk mail reached the sink: \(flowing)")

        let enqueuedAt = ContinuousClock.now
        let reset = try Send(
            stream: .transactional, from: try EmailAddress("conta@isp.example"), subject: "Redefinir senha", htmlBody: nil,
            textBody: "Seu código: 4711",
            createdAt: Date())
        _ = try await store.sends.insert(reset)
        let transactional = EmailJob(
            sendID: reset.id, recipient: try EmailAddress("cliente@example.org"), stream: .transactional, dueAt: Date(), createdAt: Date())
        #expect(try await store.emailJobs.enqueue([transactional], events: []).inserted == 1)

        var recorded = try await store.emailJobs.get(transactional.id)
        while recorded?.status.isFinal != true, ContinuousClock.now - enqueuedAt < .seconds(10) {
            try await Task.sleep(for: .milliseconds(5))
            recorded = try await store.emailJobs.get(transactional.id)
        }
        let elapsed = ContinuousClock.now - enqueuedAt
        let bulkCounts = try await store.emailJobs.statusCounts(sendID: bulk.id)
        running.cancel()
        _ = try? await running.value
        await pool.shutdown()

        #expect(recorded?.status == .sent, "transactional job: \(String(describing: recorded))")
        #expect(elapsed < .seconds(1), "the transactional job took \(elapsed) from enqueue to sent")
        let bulkFinal = (bulkCounts[.sent] ?? 0) + (bulkCounts[.failed] ?? 0)
        // It overtook the bulk jobs queued before it rather than waiting for them.
        #expect(bulkFinal < bulkTotal / 2, "bulk jobs already final when the transactional one was sent: \(bulkCounts)")

        let messageID = MailComposer.messageID(for: transactional.id, domain: "isp.example")
        let delivered = sink.recordedMessageFiles().filter { file in
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { return false }
            return text.split(whereSeparator: \.isNewline).contains { $0.lowercased().hasPrefix("message-id:") && $0.contains("<\(messageID)>") }
        }
        #expect(delivered.count == 1, "the sink received the transactional message (Message-ID <\(messageID)>) once")
        await store.close()
    }
}
