import ArgumentParser
import CarteiroDomain
import CarteiroEvents
import CarteiroServer
import Foundation
import Logging
import Synchronization

/// `carteiro bench store`: bulk enqueue, concurrent batch claims, outcome recording and
/// event publish→deliver latency, on a fresh store (a temporary SQLite file unless --store).
struct StoreBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store", abstract: "Benchmark the store backend.")

    @Option(help: "mongodb://… or sqlite:PATH to measure; default: a new SQLite file in a temporary folder.")
    var store: String?

    @Option(help: "Email jobs to insert.")
    var jobs = 100_000

    @Option(help: "Jobs per enqueue call.")
    var insertBatch = 5_000

    @Option(help: "Concurrent claimers.")
    var claimers = 4

    @Option(help: "Jobs per claim.")
    var claimBatch = 200

    @Option(help: "Events published one at a time for the latency figure.")
    var events = 2_000

    func run() async throws {
        var logger = Logger(label: "carteiro.bench")
        logger.logLevel = .warning
        try await withBenchStore(store, logger: logger) { store in try await measure(store, logger: logger) }
    }

    private func measure(_ store: any Store, logger: Logger) async throws {

        let sendID = SendID()
        let now = Date()
        let allJobs = try (0..<jobs).map { index in
            EmailJob(
                sendID: sendID, recipient: try EmailAddress("user\(index)@example.com"), recipientName: "User \(index)", stream: .bulk,
                variables: ["plan": "fibra-500"], dueAt: now, createdAt: now)
        }
        var start = ContinuousClock.now
        for batch in stride(from: 0, to: allJobs.count, by: insertBatch) {
            _ = try await store.emailJobs.enqueue(Array(allJobs[batch..<min(batch + insertBatch, allJobs.count)]), events: [])
        }
        let insertSeconds = (ContinuousClock.now - start).timeInterval
        emit("bulk_insert_jobs_per_second: \(Int(Double(jobs) / insertSeconds)) (\(jobs) jobs in batches of \(insertBatch), \(format(insertSeconds)) s)")

        // Claims only, then claim + record (the worker's real cycle: two state changes per job).
        let claimBatch = self.claimBatch
        start = ContinuousClock.now
        let claimedCount = try await withThrowingTaskGroup(of: Int.self) { group in
            for claimer in 0..<self.claimers {
                group.addTask {
                    var claimed = 0
                    while true {
                        let batch = try await store.emailJobs.claim(
                            ClaimRequest(owner: "bench-\(claimer)", limit: claimBatch, leaseDuration: .seconds(600), now: Date()))
                        if batch.isEmpty { return claimed }
                        claimed += batch.count
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        let claimSeconds = (ContinuousClock.now - start).timeInterval
        emit("claims_per_second: \(Int(Double(claimedCount) / claimSeconds)) (\(claimers) claimers, batches of \(claimBatch), \(claimedCount) jobs)")

        // Recording: leases were taken with a 600 s lease; re-claim after expiry is not measured here.
        let recordSendID = SendID()
        let recordJobs = try (0..<min(jobs, 50_000)).map { index in
            EmailJob(sendID: recordSendID, recipient: try EmailAddress("r\(index)@example.com"), stream: .bulk, dueAt: now, createdAt: now)
        }
        for batch in stride(from: 0, to: recordJobs.count, by: insertBatch) {
            _ = try await store.emailJobs.enqueue(Array(recordJobs[batch..<min(batch + insertBatch, recordJobs.count)]), events: [])
        }
        start = ContinuousClock.now
        let changes = try await withThrowingTaskGroup(of: Int.self) { group in
            for claimer in 0..<self.claimers {
                group.addTask {
                    var changed = 0
                    while true {
                        let batch = try await store.emailJobs.claim(
                            ClaimRequest(owner: "bench-r\(claimer)", limit: claimBatch, leaseDuration: .seconds(600), now: Date()))
                        if batch.isEmpty { return changed }
                        let outcomes = batch.map { EmailJobOutcome(jobID: $0.id, leaseToken: $0.lease!.token, result: .sent(relay: "bench")) }
                        _ = try await store.emailJobs.record(outcomes, at: Date())
                        changed += 2 * batch.count
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        let recordSeconds = (ContinuousClock.now - start).timeInterval
        emit(
            "job_state_changes_per_second: \(Int(Double(changes) / recordSeconds)) (claim + record sent with its email.sent event, \(recordJobs.count) jobs)"
        )

        try await measureEventLatency(store: store, logger: logger)
    }

    private func measureEventLatency(store: any Store, logger: Logger) async throws {
        let probe = LatencyProbe(expected: events)
        let subscriber = ProbeSubscriber(probe: probe)
        let subscription = EventSubscription(subscriber: subscriber, log: store.events, logger: logger)
        // Start the subscriber after everything already in the log, so only new events count.
        try await store.events.saveCheckpoint(try await store.events.lastPosition(), of: subscriber.name)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await subscription.run() }
            for index in 0..<events {
                let event = DomainEvent(
                    occurredAt: Date(),
                    payload: .chatHandoffRequested(.init(conversationID: ConversationID(), reason: "bench \(index)")))
                probe.published(event.id)
                try await store.events.append([event])
                if index % 10 == 9 { try await Task.sleep(for: .milliseconds(1)) }
            }
            await probe.waitForAll()
            group.cancelAll()
        }
        let latencies = probe.latencies().sorted()
        guard !latencies.isEmpty else { return }
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000 }
        emit("event_latency_p50_ms: \(format(percentile(0.5))) (\(latencies.count) events published one per append)")
        emit("event_latency_p99_ms: \(format(percentile(0.99)))")
    }

    private func format(_ value: Double) -> String { String(format: "%.3f", value) }
}

private final class LatencyProbe: Sendable {
    private struct State {
        var publishedAt: [EventID: ContinuousClock.Instant] = [:]
        var latencies: [Double] = []
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    private let expected: Int

    init(expected: Int) { self.expected = expected }

    func published(_ id: EventID) { state.withLock { $0.publishedAt[id] = .now } }

    func delivered(_ id: EventID) {
        let now = ContinuousClock.now
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let start = state.publishedAt.removeValue(forKey: id) else { return nil }
            state.latencies.append((now - start).timeInterval)
            if state.latencies.count == expected, let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            return nil
        }
        waiter?.resume()
    }

    func waitForAll() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if state.latencies.count >= expected { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    func latencies() -> [Double] { state.withLock { $0.latencies } }
}

private struct ProbeSubscriber: EventSubscriber {
    let probe: LatencyProbe
    let name = "bench.latency-probe"
    func handle(_ event: DomainEvent) async throws { probe.delivered(event.id) }
}
