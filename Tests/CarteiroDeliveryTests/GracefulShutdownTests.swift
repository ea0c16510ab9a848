import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import CarteiroStore
import CarteiroTesting
import CurlKit
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A lane claims its next batch in the same write that records the last one; a graceful
/// shutdown must not leave such a batch leased until its lease runs out.
@Suite struct GracefulShutdownTests {
    let logger = Logger(label: "test.shutdown")

    @Test func gracefulShutdownMidSendLeavesNoJobLeased() async throws {
        let sink = try await SMTPSink.Scripted.start(.init(dataReplyDelay: .milliseconds(5)))
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let now = Date()
        let send = try Send(
            stream: .bulk, from: try EmailAddress("ofertas@isp.example"), subject: "Oi", htmlBody: nil, textBody: "Olá", createdAt: now)
        _ = try await store.sends.insert(send)
        let total = 400
        let jobs = try (0..<total).map { index in
            EmailJob(sendID: send.id, recipient: try EmailAddress("user\(index)@example.com"), stream: .bulk, dueAt: now, createdAt: now)
        }
        _ = try await store.emailJobs.enqueue(jobs, events: [])

        let transport = SMTPRelayTransport(
            name: "sink", configuration: SMTPRelayConfiguration(url: sink.url, startTLS: .none, connectTimeout: .seconds(2), maxConnections: 4),
            logger: logger)
        let pool = RelayPool(relays: [(RelayConfiguration(name: "sink"), transport)], clock: SystemWallClock())
        let worker = DeliveryWorker(
            queue: store.emailJobs, catalog: SendCatalog(sends: store.sends, makeComposer: SendCatalog.plainComposer()), pool: pool,
            configuration: .init(workerID: "shutdown-test", batchSize: 20, parallelBatches: 2, idlePoll: .milliseconds(20)), logger: logger)
        let group = ServiceGroup(services: [worker], logger: logger)
        let running = Task { try await group.run() }

        let deadline = ContinuousClock.now + .seconds(30)
        while sink.messageCount() < 60, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        await group.triggerGracefulShutdown()
        try await running.value
        await pool.shutdown()

        let counts = try await store.emailJobs.statusCounts(sendID: send.id)
        #expect(counts[.leased] == nil, "jobs left leased: \(counts)")
        #expect((counts[.sent] ?? 0) >= 60)
        #expect((counts[.queued] ?? 0) > 0, "the shutdown came before the end of the send: \(counts)")
        #expect((counts[.sent] ?? 0) + (counts[.queued] ?? 0) == total)
        #expect(Set(sink.messages().flatMap(\.recipients)).count == counts[.sent], "every sent job, and only those, reached the sink")
        await store.close()
    }

    @Test func aBatchClaimedWithTheLastRecordIsGivenBackOnGracefulShutdown() async throws {
        let sink = try await SMTPSink.Scripted.start(.init())
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let now = Date()
        let send = try Send(
            stream: .bulk, from: try EmailAddress("ofertas@isp.example"), subject: "Oi", htmlBody: nil, textBody: "Olá", createdAt: now)
        _ = try await store.sends.insert(send)
        let jobs = try (0..<100).map { index in
            EmailJob(sendID: send.id, recipient: try EmailAddress("user\(index)@example.com"), stream: .bulk, dueAt: now, createdAt: now)
        }
        _ = try await store.emailJobs.enqueue(jobs, events: [])

        let transport = SMTPRelayTransport(
            name: "sink", configuration: SMTPRelayConfiguration(url: sink.url, startTLS: .none, connectTimeout: .seconds(2), maxConnections: 2),
            logger: logger)
        let pool = RelayPool(relays: [(RelayConfiguration(name: "sink"), transport)], clock: SystemWallClock())
        let groupBox = GroupBox()
        // The shutdown lands just after the first write that recorded a batch and claimed the next;
        // the write returns once the worker has had time to see it.
        let queue = StoppingQueue(base: store.emailJobs) {
            if await groupBox.triggerOnce() { try? await Task.sleep(for: .milliseconds(300)) }
        }
        let worker = DeliveryWorker(
            queue: queue, catalog: SendCatalog(sends: store.sends, makeComposer: SendCatalog.plainComposer()), pool: pool,
            configuration: .init(workerID: "shutdown-test", batchSize: 10, parallelBatches: 1, streams: [.bulk], idlePoll: .milliseconds(20)),
            logger: logger)
        let group = ServiceGroup(services: [worker], logger: logger)
        groupBox.set(group)
        try await group.run()
        await pool.shutdown()

        let counts = try await store.emailJobs.statusCounts(sendID: send.id)
        #expect(counts[.leased] == nil, "jobs left leased: \(counts)")
        #expect(counts[.sent] == 10, "one batch was sent before the shutdown: \(counts)")
        #expect(counts[.queued] == 90)
        await store.close()
    }
}

private final class GroupBox: Sendable {
    private let state = Mutex<(group: ServiceGroup?, triggered: Bool)>((nil, false))

    func set(_ group: ServiceGroup) { state.withLock { $0.group = group } }

    /// Whether this call triggered the shutdown.
    func triggerOnce() async -> Bool {
        let group = state.withLock { state -> ServiceGroup? in
            defer { state.triggered = true }
            return state.triggered ? nil : state.group
        }
        guard let group else { return false }
        await group.triggerGracefulShutdown()
        return true
    }
}

/// The store's queue, calling `afterRecordAndClaim` once a record has also claimed the next batch.
private struct StoppingQueue: EmailJobQueue {
    let base: any EmailJobQueue
    let afterRecordAndClaim: @Sendable () async -> Void

    func enqueue(_ jobs: [EmailJob], events: [DomainEvent]) async throws -> EnqueueResult { try await base.enqueue(jobs, events: events) }
    func claim(_ request: ClaimRequest) async throws -> [EmailJob] { try await base.claim(request) }
    func record(_ outcomes: [EmailJobOutcome], at now: Date) async throws -> RecordResult { try await base.record(outcomes, at: now) }
    func record(_ outcomes: [EmailJobOutcome], at now: Date, thenClaim next: ClaimRequest) async throws -> (
        recorded: RecordResult, claimed: [EmailJob]
    ) {
        let result = try await base.record(outcomes, at: now, thenClaim: next)
        if !result.claimed.isEmpty { await afterRecordAndClaim() }
        return result
    }
    func renewLeases(_ leases: [HeldLease], until: Date, at now: Date) async throws -> RenewResult {
        try await base.renewLeases(leases, until: until, at: now)
    }
    func get(_ id: EmailJobID) async throws -> EmailJob? { try await base.get(id) }
    func statusCounts(sendID: SendID?) async throws -> [EmailJob.Status: Int] { try await base.statusCounts(sendID: sendID) }
    func hold(sendID: SendID, at now: Date) async throws -> Int { try await base.hold(sendID: sendID, at: now) }
    func release(sendID: SendID, at now: Date) async throws -> Int { try await base.release(sendID: sendID, at: now) }
    func cancel(sendID: SendID, at now: Date) async throws -> Int { try await base.cancel(sendID: sendID, at: now) }
    func cancelBulk(to recipient: EmailAddress, at now: Date) async throws -> Int { try await base.cancelBulk(to: recipient, at: now) }
    func deliveryBreakdown(sendID: SendID) async throws -> DeliveryBreakdown { try await base.deliveryBreakdown(sendID: sendID) }
    func sentCounts(from: Date, to: Date) async throws -> [MailStream: Int] { try await base.sentCounts(from: from, to: to) }
    func jobs(sendID: SendID, page: PageRequest) async throws -> Page<EmailJob> { try await base.jobs(sendID: sendID, page: page) }
    func streamStats() async throws -> [MailStream: StreamStats] { try await base.streamStats() }
}
