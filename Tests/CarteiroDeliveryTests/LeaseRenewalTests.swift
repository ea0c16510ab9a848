import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import CarteiroStore
import CarteiroTesting
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A worker renews the leases of the jobs it works on, so a lease much shorter than a batch
/// keeps the other workers off them.
@Suite struct LeaseRenewalTests {
    let logger = Logger(label: "test.lease-renewal")

    @Test func jobsOfABatchSlowerThanThreeLeasesStayWithTheirWorkerAndAreSentOnce() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let now = Date()
        let send = try Send(
            stream: .bulk, from: try EmailAddress("ofertas@isp.example"), subject: "Oi", htmlBody: nil, textBody: "Olá", createdAt: now)
        _ = try await store.sends.insert(send)
        let total = 10
        let jobs = try (0..<total).map { index in
            EmailJob(sendID: send.id, recipient: try EmailAddress("user\(index)@example.com"), stream: .bulk, dueAt: now, createdAt: now)
        }
        _ = try await store.emailJobs.enqueue(jobs, events: [])

        let slow = RecordingTransport(name: "slow", delay: .seconds(3))
        let fast = RecordingTransport(name: "fast", delay: .zero)
        func makeWorker(_ workerID: String, _ transport: RecordingTransport) -> (DeliveryWorker, RelayPool) {
            let pool = RelayPool(relays: [(RelayConfiguration(name: transport.name), transport)], clock: SystemWallClock())
            let worker = DeliveryWorker(
                queue: store.emailJobs, catalog: SendCatalog(sends: store.sends, makeComposer: SendCatalog.plainComposer()), pool: pool,
                configuration: .init(
                    workerID: workerID, batchSize: total, parallelBatches: 1, leaseDuration: .seconds(1), streams: [.bulk],
                    idlePoll: .milliseconds(20)),
                logger: logger)
            return (worker, pool)
        }
        let (holder, holderPool) = makeWorker("holder", slow)
        let (rival, rivalPool) = makeWorker("rival", fast)
        let holding = ServiceGroup(services: [holder], logger: logger)
        let competing = ServiceGroup(services: [rival], logger: logger)

        var rivalStarted = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await holding.run() }
            // The rival starts once the holder has claimed every job and is sending them, and
            // polls the queue all along the three seconds (three leases) the batch takes.
            let deadline = ContinuousClock.now + .seconds(10)
            while !slow.hasStarted {
                guard ContinuousClock.now < deadline else { throw CarteiroProcess.TimedOut(what: "the holder to start sending") }
                try await Task.sleep(for: .milliseconds(10))
            }
            rivalStarted = ContinuousClock.now
            group.addTask { try await competing.run() }
            var counts = try await store.emailJobs.statusCounts(sendID: send.id)
            while counts[.sent] != total, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                counts = try await store.emailJobs.statusCounts(sendID: send.id)
            }
            #expect(counts == [.sent: total])
            await holding.triggerGracefulShutdown()
            await competing.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        await holderPool.shutdown()
        await rivalPool.shutdown()

        #expect(try #require(slow.finishedAt) - rivalStarted > .seconds(2), "the rival polled through more than two leases")
        #expect(fast.delivered.isEmpty, "the rival claimed none of the held jobs")
        #expect(slow.delivered.count == total, "each job was sent once")
        #expect(Set(slow.delivered) == Set(jobs.map(\.id)))
        for job in jobs {
            let stored = try #require(try await store.emailJobs.get(job.id))
            #expect(stored.attempts == 1, "claimed once: \(stored.attempts) attempts")
            #expect(stored.relay == "slow")
        }
        await store.close()
    }
}

/// Accepts every message after `delay` per call and remembers which jobs it delivered.
private final class RecordingTransport: MailTransport {
    let name: String
    private let delay: Duration
    private let state = Mutex<(started: Bool, delivered: [EmailJobID], finishedAt: ContinuousClock.Instant?)>((false, [], nil))

    init(name: String, delay: Duration) {
        self.name = name
        self.delay = delay
    }

    var hasStarted: Bool { state.withLock { $0.started } }
    var delivered: [EmailJobID] { state.withLock { $0.delivered } }
    var finishedAt: ContinuousClock.Instant? { state.withLock { $0.finishedAt } }

    func deliver(_ messages: [ComposedMessage]) async -> [TransportOutcome] {
        state.withLock { $0.started = true }
        if delay > .zero { try? await Task.sleep(for: delay) }
        state.withLock { state in
            state.delivered += messages.map(\.jobID)
            state.finishedAt = .now
        }
        return messages.map { _ in .accepted }
    }

    func probe() async -> TransportFailure? { nil }
    func shutdown() async {}
}
