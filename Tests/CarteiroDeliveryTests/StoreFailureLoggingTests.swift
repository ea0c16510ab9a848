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

/// A worker on a store that refuses every write (here a read-only SQLite file, as SQLite opens
/// one the process may not write) used to retry at once and log a warning each time: about 50
/// lines a second. It backs off, and logs one line per operation per interval with a count.
@Suite struct StoreFailureLoggingTests {
    @Test func aWorkerOnAStoreThatCannotBeWrittenBacksOffAndLogsALineNotAFlood() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let writable = try SQLiteStore(configuration: .inDirectory(folder.path))
        let now = Date()
        let send = try Send(
            stream: .bulk, from: try EmailAddress("ofertas@isp.example"), subject: "Oi", htmlBody: nil, textBody: "Olá", createdAt: now)
        _ = try await writable.sends.insert(send)
        let jobs = try (0..<10).map { index in
            EmailJob(sendID: send.id, recipient: try EmailAddress("user\(index)@example.com"), stream: .bulk, dueAt: now, createdAt: now)
        }
        _ = try await writable.emailJobs.enqueue(jobs, events: [])
        await writable.close()
        let store = try SQLiteStore(configuration: .readOnly(inDirectory: folder.path))

        let lines = CapturedLog()
        let logger = Logger(label: "test.store-failure") { _ in lines }
        let outbox = folder.url.appendingPathComponent("outbox")
        let pool = RelayPool(relays: [(RelayConfiguration(name: "outbox"), FileTransport(directory: outbox))], clock: SystemWallClock())
        let worker = DeliveryWorker(
            queue: store.emailJobs, catalog: SendCatalog(sends: store.sends, makeComposer: SendCatalog.plainComposer()), pool: pool,
            configuration: .init(workerID: "read-only", parallelBatches: 4, idlePoll: .milliseconds(20)), logger: logger)
        let group = ServiceGroup(services: [worker], logger: Logger(label: "test.group"))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .seconds(3.5))
        // Mid-wait (the lanes wait 3.2 s after their fifth failure): the shutdown ends the wait.
        let stopping = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(ContinuousClock.now - stopping < .seconds(1), "a waiting worker stops at once")
        await pool.shutdown()

        let warnings = lines.entries.filter { $0.level >= .warning }
        // Five lanes (four, and one for transactional mail polling every 25 ms) failed from the start.
        #expect(warnings.count == 1, "\(warnings.map(\.message))")
        #expect(warnings.first?.message == "cannot claim jobs")
        #expect(warnings.first?.metadata["error"]?.contains("read-only") == true)
        #expect(try await store.emailJobs.statusCounts(sendID: send.id)[.queued] == 10, "nothing was claimed")
        await store.close()
    }
}

/// Heartbeats on a store that cannot be written: each relay's verdict stays local, and the
/// failure to share it is one line per interval (60 s), not one per relay per beat.
@Suite struct HeartbeatStoreFailureLoggingTests {
    @Test func heartbeatsThatCannotBeSharedLogOneLinePerIntervalWithACount() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        await (try SQLiteStore(configuration: .inDirectory(folder.path))).close()
        let store = try SQLiteStore(configuration: .readOnly(inDirectory: folder.path))
        let lines = CapturedLog()
        let logger = Logger(label: "test.heartbeat-failure") { _ in lines }
        let clock = ManualClock(Date())
        let relays = ["a", "b", "c"].map { name in
            (RelayConfiguration(name: name), FileTransport(directory: folder.url.appendingPathComponent(name)) as any MailTransport)
        }
        let pool = RelayPool(relays: relays, clock: clock)
        let reporter = RelayStateReporter(board: store.relayStates, workerID: "w1", logger: logger)
        let heartbeat = SharedRelayHeartbeat(
            pool: pool, board: store.relayStates, reporter: reporter, workerID: "w1", interval: .seconds(10), clock: clock, logger: logger)
        for _ in 0..<6 {
            await heartbeat.beat()
            clock.advance(by: .seconds(10))
        }
        var warnings = lines.entries.filter { $0.level >= .warning }
        #expect(warnings.map(\.message) == ["cannot share a relay heartbeat"], "6 beats of 3 relays in 60 s")
        await heartbeat.beat()
        warnings = lines.entries.filter { $0.level >= .warning }
        #expect(warnings.count == 2)
        #expect(warnings.last?.metadata["unlogged_since_last"] == "17", "the 17 failures not logged since the first line")
        await pool.shutdown()
        await store.close()
    }
}
