import CarteiroDomain
import CarteiroMail
import CarteiroStore
import CarteiroTesting
import Foundation
import Logging
import MongoKit
import Testing

/// Worker processes scale out on one MongoDB store: three `carteiro serve --roles worker`
/// processes share one send, and every recipient gets the message exactly once.
@Suite(.serialized) struct WorkerScaleOutTests {
    @Test func threeWorkerProcessesOnOneMongoStoreSendEveryMessageExactlyOnce() async throws {
        let total = 1_500
        let server = try await MongoWireServer.start()
        defer { server.stop() }
        // One sink per worker: the relay a job records (the sink's URL) names the process that sent it.
        var sinks: [SMTPSink.Postfix] = []
        for _ in 0..<3 { sinks.append(try await SMTPSink.Postfix.start(recordMessages: true)) }
        defer { for sink in sinks { sink.stop() } }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }

        // The workers open the store as production does, with MongoStore's defaults. Read concern
        // "majority" in transactions (StoreFixture's stray-document deviation) did no harm here:
        // the event count below would show a stray document.
        var workers: [CarteiroProcess] = []
        defer { for worker in workers { worker.signal(SIGKILL) } }
        for sink in sinks {
            workers.append(
                try CarteiroProcess([
                    "serve", "--roles", "worker", "--store", server.uri, "--relay", sink.url, "--port", "0", "--data-dir", folder.path,
                ]))
        }
        // All three are claiming before the jobs exist, so they compete for them from the start.
        for worker in workers { try await worker.waitForStandardError(containing: "listening") }

        try await dropCompoundPagingIndexes(server.uri)
        let store = try await MongoStore.connect(configuration: .nxWireServer(server.uri), logger: Logger(label: "test.scale-out"))
        let now = Date()
        let send = try Send(
            stream: .bulk, from: try EmailAddress("ofertas@isp.example"), subject: "Oi {{name}}", htmlBody: nil, textBody: "Olá", createdAt: now)
        _ = try await store.sends.insert(send)

        let jobs = try (0..<total).map { index in
            EmailJob(
                sendID: send.id, recipient: try EmailAddress("user\(index)@example.com"), recipientName: "User \(index)", stream: .bulk, dueAt: now,
                createdAt: now)
        }
        #expect(try await store.emailJobs.enqueue(jobs, events: []).inserted == total)

        let deadline = ContinuousClock.now + .seconds(45)
        var counts: [EmailJob.Status: Int] = try await store.emailJobs.statusCounts(sendID: send.id)
        while (counts[.sent] ?? 0) + (counts[.failed] ?? 0) < total {
            guard ContinuousClock.now < deadline else {
                Issue.record(
                    "send did not finish: \(counts); worker logs:\n\(workers.map { String($0.standardError.suffix(1_500)) }.joined(separator: "\n---\n"))"
                )
                break
            }
            try await Task.sleep(for: .milliseconds(50))
            counts = try await store.emailJobs.statusCounts(sendID: send.id)
        }
        #expect(counts == [EmailJob.Status.sent: total])

        for worker in workers { worker.signal(SIGTERM) }
        for worker in workers {
            let result = try await worker.waitForExit(timeout: .seconds(15))
            // nx-27017 deviation: transactions running at the same time (any two connections) fail at
            // commit with "no such savepoint: session_tx_…" although their writes stay applied, and the
            // server session stays broken. A worker whose outcome `record` hits it retries until the
            // shutdown grace period ends, then exits 1 (CancellationError). MongoDB does not do this.
            withKnownIssue("nx-27017: concurrent transactions fail with 'no such savepoint'", isIntermittent: true) {
                #expect(result.exitCode == 0, "\(result.standardError.suffix(800))")
            } when: {
                result.standardError.contains("no such savepoint")
            }
        }

        // Exactly once: each job's Message-ID arrived once, at the sink of the process that recorded it.
        let messages = sinks.map { sink in sink.recordedMessageFiles().map { (try? Data(contentsOf: $0)).map { [UInt8]($0) } ?? [] } }
        let received = messages.flatMap { $0 }.compactMap(messageID(in:))
        #expect(received.count == total, "messages received: \(received.count)")
        #expect(Set(received).count == received.count, "\(received.count - Set(received).count) messages arrived twice")
        let expected = Set(jobs.map { MailComposer.messageID(for: $0.id, domain: "isp.example") })
        #expect(Set(received) == expected, "every recipient's message arrived")

        var stored: [EmailJob] = []
        var page = try PageRequest(limit: 500)
        while true {
            let result = try await store.emailJobs.jobs(sendID: send.id, page: page)
            stored += result.items
            guard let next = result.nextCursor else { break }
            page = try PageRequest(limit: 500, cursor: next)
        }
        #expect(stored.count == total)
        var workersThatSent = 0
        for (sink, received) in zip(sinks, messages) {
            let recorded = stored.filter { $0.relay == sink.url }
            if !recorded.isEmpty { workersThatSent += 1 }
            #expect(
                Set(recorded.map { MailComposer.messageID(for: $0.id, domain: "isp.example") }) == Set(received.compactMap(messageID(in:))),
                "the jobs recorded as sent through \(sink.url) are the messages that sink received")
        }
        // The outbox across processes: one email.sent event per job, each at its own position.
        var events: [DomainEvent] = []
        while true {
            let batch = try await store.events.read(after: events.last?.position ?? 0, limit: 500)
            guard !batch.isEmpty else { break }
            events += batch
        }
        let sentEvents = events.compactMap { event -> EmailJobID? in
            if case .emailSent(let sent) = event.payload { return sent.jobID }
            return nil
        }
        #expect(events.count == total, "no other events, and no stray documents read as events")
        #expect(sentEvents.count == total)
        #expect(Set(sentEvents) == Set(jobs.map(\.id)))
        #expect(Set(events.compactMap(\.position)).count == events.count, "positions are unique")
        #expect(workersThatSent > 1, "more than one worker process sent mail: \(sinks.map { sink in stored.count { $0.relay == sink.url } })")
        await store.close()
    }

    /// nx-27017 deviation: a `{field: 1, _id: 1}` index fails every later insert into its
    /// collection ("JSON path error near '_id'"), and cannot be built on a collection that holds
    /// documents (so `carteiro serve` cannot even start once the send is stored). nx also renames
    /// the index (`idx_sends__idx_status__id`), so dropping it by MongoStore's name `status_id` is
    /// a silent no-op. The workers build it on `sends` at start (production default) while the
    /// collection is empty; the test then drops every secondary index of `sends` ("*") and opens
    /// its own store without compound indexes before inserting its send. The workers only read
    /// sends by `_id`, so they do not need the index.
    private func dropCompoundPagingIndexes(_ uri: String) async throws {
        let pool = try MongoClientPool(uri: uri, threadCount: 1)
        do {
            _ = try await pool.withConnection { connection in
                try connection.runCommand(["dropIndexes": .string(Send.collection), "index": "*"])
            }
        } catch {
            await pool.close()
            throw error
        }
        await pool.close()
    }

    private func messageID(in data: [UInt8]) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { $0.lowercased().hasPrefix("message-id:") }),
            let open = line.firstIndex(of: "<"), let close = line.lastIndex(of: ">"), open < close
        else { return nil }
        return String(line[line.index(after: open)..<close])
    }
}

extension MongoStore.Configuration {
    /// The test's own connection, as `StoreFixture.wireServer` in CarteiroStoreTests opens it
    /// (server-default read concern, no compound paging indexes: both nx-27017 deviations).
    fileprivate static func nxWireServer(_ uri: String) -> MongoStore.Configuration {
        .init(uri: uri, concerns: MongoConcerns(writeConcern: .majority, readConcern: .serverDefault), compoundPagingIndexes: false)
    }
}
