import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import CarteiroStore
import CarteiroTesting
import CurlKit
import Foundation
import Logging
import Testing

/// Per-recipient-domain limits hold across workers sharing one store (two workers here, as two
/// processes would be: each has its own pool and only the store in common).
@Suite(.serialized) struct DomainLimitTests {
    let logger = Logger(label: "test.domain-limits")

    private func makeWorker(_ id: String, store: any Store, sink: SMTPSink.Scripted, limits: DomainLimits, clock: any WallClock, connections: Int = 4)
        -> (DeliveryWorker, RelayPool)
    {
        let transport = SMTPRelayTransport(
            name: "sink", configuration: SMTPRelayConfiguration(url: sink.url, startTLS: .none, connectTimeout: .seconds(2), maxConnections: connections),
            logger: logger)
        let pool = RelayPool(relays: [(RelayConfiguration(name: "sink"), transport)], clock: clock)
        let worker = DeliveryWorker(
            queue: store.emailJobs, catalog: SendCatalog(sends: store.sends, makeComposer: SendCatalog.plainComposer(clock: clock)), pool: pool,
            configuration: .init(workerID: id, batchSize: 8, parallelBatches: 2, idlePoll: .milliseconds(20), domainLimits: limits), clock: clock,
            throttle: store.throttle, logger: logger)
        return (worker, pool)
    }

    private func enqueue(_ recipients: [String], store: any Store, now: Date) async throws -> SendID {
        let send = try Send(stream: .bulk, from: try EmailAddress("ofertas@isp.example"), subject: "Oi", htmlBody: nil, textBody: "Olá", createdAt: now)
        _ = try await store.sends.insert(send)
        let jobs = try recipients.map { EmailJob(sendID: send.id, recipient: try EmailAddress($0), stream: .bulk, dueAt: now, createdAt: now) }
        _ = try await store.emailJobs.enqueue(jobs, events: [])
        return send.id
    }

    private func waitFor(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func aDomainGetsItsMessagesPerMinuteAcrossTwoWorkersAndTheRestWaitsForTheNextMinuteUnattempted() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        // Mid-minute, so the whole test stays in one minute until the clock is moved.
        let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_010))
        let limits = try DomainLimits.parse(["limited.example:10"])
        let recipients = (0..<30).map { "user\($0)@limited.example" } + (0..<10).map { "user\($0)@free.example" }
        let sendID = try await enqueue(recipients, store: store, now: clock.now())

        let (first, firstPool) = makeWorker("w1", store: store, sink: sink, limits: limits, clock: clock)
        let (second, secondPool) = makeWorker("w2", store: store, sink: sink, limits: limits, clock: clock)
        let running = [Task { try await first.run() }, Task { try await second.run() }]
        defer { for task in running { task.cancel() } }

        try await waitFor("the free domain and the first minute's allowance") { sink.messageCount() >= 20 }
        // Both workers keep claiming; the limited domain must not get more than its 10.
        try await Task.sleep(for: .milliseconds(500))
        let firstMinute = sink.messages().flatMap(\.recipients)
        #expect(firstMinute.filter { $0.hasSuffix("@free.example") }.count == 10)
        #expect(firstMinute.filter { $0.hasSuffix("@limited.example") }.count == 10)
        let page = try await store.emailJobs.jobs(sendID: sendID, page: try PageRequest(limit: 100))
        let waiting = page.items.filter { $0.status == .queued }
        #expect(waiting.count == 20)
        #expect(waiting.allSatisfy { $0.attempts == 0 && $0.dueAt == Date(timeIntervalSince1970: 1_790_000_040) }, "deferred to the next minute, no attempt counted")

        clock.advance(by: .seconds(60))
        try await waitFor("the second minute's allowance") { sink.messageCount() >= 30 }
        try await Task.sleep(for: .milliseconds(500))
        #expect(sink.messageCount() == 30)
        clock.advance(by: .seconds(60))
        try await waitFor("the last ten") { sink.messageCount() >= 40 }
        // The sink has the message before the worker records its outcome.
        try await waitFor("every outcome recorded") { try await store.emailJobs.statusCounts(sendID: sendID) == [.sent: 40] }
        #expect(Set(sink.messages().flatMap(\.recipients)).count == 40, "each recipient once")
        for task in running { task.cancel() }
        await firstPool.shutdown()
        await secondPool.shutdown()
        await store.close()
    }

    @Test func aDomainNeverHasMoreMessagesInFlightThanItsParallelLimitAcrossTwoWorkers() async throws {
        let sink = try await SMTPSink.Scripted.start(.init(dataReplyDelay: .milliseconds(60)))
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let clock = SystemWallClock()
        let limits = try DomainLimits.parse(["narrow.example:-:2"])
        let sendID = try await enqueue((0..<40).map { "user\($0)@narrow.example" }, store: store, now: clock.now())

        let (first, firstPool) = makeWorker("w1", store: store, sink: sink, limits: limits, clock: clock, connections: 8)
        let (second, secondPool) = makeWorker("w2", store: store, sink: sink, limits: limits, clock: clock, connections: 8)
        let running = [Task { try await first.run() }, Task { try await second.run() }]
        try await waitFor("all forty", timeout: .seconds(60)) { sink.messageCount() >= 40 }
        try await waitFor("every outcome recorded") { try await store.emailJobs.statusCounts(sendID: sendID) == [.sent: 40] }
        for task in running { task.cancel() }
        #expect(sink.maxConcurrentDataReplies() <= 2, "at most two messages to the domain in flight at once")
        #expect(sink.maxConcurrentDataReplies() == 2, "both slots were used")
        await firstPool.shutdown()
        await secondPool.shutdown()
        await store.close()
    }
}
