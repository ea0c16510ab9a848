import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import CarteiroStore
import CarteiroTesting
import CurlKit
import Foundation
import Logging
import Testing

/// A bulk job queued before its recipient unsubscribed (or was erased) is cancelled when a worker
/// claims it, never sent; transactional mail and everyone else's go as usual.
@Suite(.serialized) struct SuppressionAtClaimTests {
    let logger = Logger(label: "test.suppression")

    @Test func bulkMailToAnAddressSuppressedAfterItWasQueuedIsCancelledAtClaim() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let now = Date()
        var contacts: [String: Contact] = [:]
        for address in ["ana@example.com", "bia@example.com", "caio@example.com"] {
            var contact = try Contact(email: try EmailAddress(address), createdAt: now)
            try contact.confirm(.init(at: now, method: .api, evidence: "test"))
            contacts[address] = try await store.contacts.insert(contact)
        }
        let bulk = try Send(stream: .bulk, from: try EmailAddress("ofertas@isp.example"), subject: "Oferta", htmlBody: nil, textBody: "Oi", createdAt: now)
        let receipt = try Send(stream: .transactional, from: try EmailAddress("conta@isp.example"), subject: "Recibo", htmlBody: nil, textBody: "Oi", createdAt: now)
        _ = try await store.sends.insert(bulk)
        _ = try await store.sends.insert(receipt)
        var jobs: [EmailJob] = []
        for contact in contacts.values {
            jobs.append(EmailJob(sendID: bulk.id, contactID: contact.id, recipient: contact.email, stream: .bulk, dueAt: now, createdAt: now))
        }
        jobs.append(EmailJob(sendID: receipt.id, recipient: try EmailAddress("ana@example.com"), stream: .transactional, dueAt: now, createdAt: now))
        _ = try await store.emailJobs.enqueue(jobs, events: [])
        // After the jobs were queued (and without the cancel an unsubscribe link does): Ana
        // unsubscribes by some other way, Caio is erased.
        var ana = try #require(contacts["ana@example.com"])
        try ana.move(to: .unsubscribed, at: now)
        _ = try await store.contacts.update(ana)
        var caio = try #require(contacts["caio@example.com"])
        try caio.erase(at: now)
        _ = try await store.contacts.update(caio)

        let transport = SMTPRelayTransport(
            name: "sink", configuration: SMTPRelayConfiguration(url: sink.url, startTLS: .none, connectTimeout: .seconds(2), maxConnections: 1),
            logger: logger)
        let pool = RelayPool(relays: [(RelayConfiguration(name: "sink"), transport)], clock: SystemWallClock())
        let worker = DeliveryWorker(
            queue: store.emailJobs, catalog: SendCatalog(sends: store.sends, makeComposer: SendCatalog.plainComposer()), pool: pool,
            configuration: .init(workerID: "test", batchSize: 10, parallelBatches: 1), suppression: SuppressionCheck(contacts: store.contacts),
            logger: logger)
        let running = Task { try await worker.run() }
        defer { running.cancel() }
        let deadline = ContinuousClock.now + .seconds(30)
        var bulkCounts: [EmailJob.Status: Int] = [:]
        while ContinuousClock.now < deadline {
            bulkCounts = try await store.emailJobs.statusCounts(sendID: bulk.id)
            let receiptCounts = try await store.emailJobs.statusCounts(sendID: receipt.id)
            if bulkCounts[.sent, default: 0] + bulkCounts[.cancelled, default: 0] == 3, receiptCounts[.sent] == 1 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(bulkCounts == [.sent: 1, .cancelled: 2], "\(bulkCounts)")
        let received = sink.messages().flatMap(\.recipients).sorted()
        #expect(received == ["ana@example.com", "bia@example.com"], "Ana's receipt and Bia's offer, nothing more: \(received)")
        let cancelled = try await store.emailJobs.jobs(sendID: bulk.id, page: try PageRequest(limit: 10)).items.filter { $0.status == .cancelled }
        #expect(cancelled.allSatisfy { $0.attempts == 0 && $0.lastError?.text == "the recipient is suppressed" })
    }
}
