public import CarteiroDelivery
public import CarteiroDomain
public import CarteiroMail
import CurlKit
import Foundation
public import Logging
import Synchronization

/// Delivers one send to its end in this process (`carteiro send`): a relay pool and a delivery
/// worker built from the same delivery configuration as `serve`'s worker role, run until none of
/// the send's jobs is open, or until no relay has taken a message for `giveUpAfter`.
public struct SendDelivery: Sendable {
    public struct Options: Sendable {
        /// Batches in flight; nil: `DeliveryWorker.Configuration.defaultParallelBatches`.
        public var parallelBatches: Int?
        /// Connections per relay for every relay; nil: each URL's `connections=`, else 8.
        public var connectionsPerRelay: Int?
        public var giveUpAfter: Duration
        public var workerID: String

        public init(parallelBatches: Int? = nil, connectionsPerRelay: Int? = nil, giveUpAfter: Duration = .seconds(300), workerID: String) {
            self.parallelBatches = parallelBatches
            self.connectionsPerRelay = connectionsPerRelay
            self.giveUpAfter = giveUpAfter
            self.workerID = workerID
        }
    }

    /// Where a send stands, a few times a second.
    public struct Progress: Sendable {
        public var counts: [EmailJob.Status: Int]
        public var elapsed: Duration
        /// Relays failing now, with why, in words.
        public var relayFailures: [String: String]
    }

    /// What this process did for the send.
    public struct Outcome: Sendable {
        /// The send's final status counts, from the store.
        public var counts: [EmailJob.Status: Int]
        public var perRelay: [String: Int]
        public var retried: Int
        /// Circuit-breaker changes, e.g. "smtp://a:25: closed → open (5 transient failures in a row)".
        public var breakerEvents: [String]
        public var elapsed: Duration
    }

    /// No relay took a message for the configured time; the jobs stay queued.
    public struct GaveUp: Error, Sendable, CustomStringConvertible {
        public let sendID: SendID
        public let after: Duration
        public let relayFailures: [String: String]

        public var description: String {
            let why = relayFailures.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            return "no relay took a message for \(after) (\(why.isEmpty ? "every relay is down" : why)); the jobs stay queued: carteiro send --resume \(sendID)"
        }
    }

    private let store: any Store
    private let delivery: DeliveryConfiguration
    private let relays: [(url: String, definition: RelayDefinition)]
    private let keyring: DKIMKeyring
    private let links: MailLinks?
    private let routes: [String]
    private let options: Options
    private let logger: Logger

    /// `routes`: the routes of the jobs this process may take (the send's).
    public init(
        store: any Store, delivery: DeliveryConfiguration, relays: [(url: String, definition: RelayDefinition)], keyring: DKIMKeyring,
        links: MailLinks? = nil, routes: [String], options: Options, logger: Logger
    ) {
        self.links = links
        self.store = store
        self.delivery = delivery
        self.relays = relays
        self.keyring = keyring
        self.routes = routes
        self.options = options
        self.logger = logger
    }

    public func run(_ sendID: SendID, onProgress: @escaping @Sendable (Progress) -> Void) async throws -> Outcome {
        var totalConnections = 0
        let breakerEvents = BreakerEventLog()
        let pool = RelayPool(
            relays: relays.map { url, definition in
                let connections = connections(for: url)
                if case .smtp(let configuration) = definition.url {
                    totalConnections += connections ?? configuration.maxConnections
                } else {
                    totalConnections += 1
                }
                // The same relay settings (weight, rate, streams, name) as `serve` takes.
                return (definition.configuration, definition.makeTransport(maxConnections: connections, logger: logger))
            },
            strategy: delivery.strategy, clock: SystemWallClock(),
            onTransition: { relay, transition in breakerEvents.add("\(relay): \(transition.from) → \(transition.to) (\(transition.reason))") })
        let lanes =
            options.parallelBatches ?? DeliveryWorker.Configuration.defaultParallelBatches(relays: relays.count, connections: totalConnections)
        let tally = SendTally()
        let worker = DeliveryWorker(
            queue: store.emailJobs, catalog: SendCatalog(sends: store.sends, makeComposer: SendCatalog.composer(signingWith: keyring, links: links)), pool: pool,
            configuration: delivery.workerConfiguration(workerID: options.workerID, routes: routes, parallelBatches: lanes),
            clock: SystemWallClock(), throttle: store.throttle, suppression: SuppressionCheck(contacts: store.contacts), logger: logger,
            progress: { tally.add($0) })
        let heartbeat = delivery.heartbeatInterval

        let start = ContinuousClock.now
        let counts = try await withThrowingTaskGroup(of: [EmailJob.Status: Int]?.self, returning: [EmailJob.Status: Int].self) { group in
            group.addTask {
                try await withThrowingTaskGroup(of: Void.self, returning: Void.self) { inner in
                    inner.addTask { await pool.runHeartbeats(every: heartbeat) }
                    inner.addTask { try await worker.run() }
                    _ = try await inner.next()
                    inner.cancelAll()
                }
                return nil
            }
            group.addTask { try await waitUntilFinished(sendID, pool: pool, tally: tally, start: start, onProgress: onProgress) }
            var finalCounts: [EmailJob.Status: Int] = [:]
            for try await result in group {
                if let result {
                    finalCounts = result
                    break
                }
            }
            group.cancelAll()
            return finalCounts
        }
        let snapshot = tally.snapshot()
        return Outcome(
            counts: counts, perRelay: snapshot.perRelay, retried: snapshot.retried, breakerEvents: breakerEvents.all(),
            elapsed: ContinuousClock.now - start)
    }

    /// Connections per relay: the option, else the URL's connections=, else 8.
    private func connections(for relay: String) -> Int? {
        if let connections = options.connectionsPerRelay { return max(1, connections) }
        let query = URLComponents(string: relay)?.queryItems ?? []
        return query.contains { $0.name.lowercased() == "connections" } ? nil : 8
    }

    /// Returns the send's final status counts once none of its jobs is open. This process's own
    /// outcomes are counted as they are recorded; the store, whose count of a large send's jobs
    /// costs a scan, is asked when they add up or every few seconds (other workers may help).
    private func waitUntilFinished(
        _ sendID: SendID, pool: RelayPool, tally: SendTally, start: ContinuousClock.Instant, onProgress: @Sendable (Progress) -> Void
    ) async throws -> [EmailJob.Status: Int] {
        func open(_ counts: [EmailJob.Status: Int]) -> Int { (counts[.queued] ?? 0) + (counts[.leased] ?? 0) + (counts[.retryScheduled] ?? 0) }
        var counts = try await store.emailJobs.statusCounts(sendID: sendID)
        // This process's outcomes when `counts` was read.
        var atCheck = tally.snapshot()
        var expected = atCheck.finals + open(counts)
        var lastCheck = ContinuousClock.now
        var lastShown = ContinuousClock.now
        // The batches' refusals, and the heartbeats of relays not passing: asked of the pool only
        // when shown (a few times a second), not on every turn of this loop.
        func failures(_ current: SendTally.Snapshot) async -> [String: String] {
            var failures = current.relayFailures
            for relay in await pool.snapshot() where !relay.healthy || relay.breaker != .closed {
                if let failure = relay.heartbeatFailure, failures[relay.name] == nil { failures[relay.name] = failure.description }
            }
            return failures
        }
        while open(counts) > 0 {
            try await Task.sleep(for: .milliseconds(10))
            let now = ContinuousClock.now
            let current = tally.snapshot()
            if now - current.lastAccepted >= options.giveUpAfter {
                throw GaveUp(sendID: sendID, after: options.giveUpAfter, relayFailures: await failures(current))
            }
            if current.finals >= expected || now - lastCheck >= .seconds(5) {
                MallocTuning.releaseFreeMemory()
                counts = try await store.emailJobs.statusCounts(sendID: sendID)
                // Jobs still open then are the ones this process has yet to finish.
                atCheck = current
                expected = current.finals + open(counts)
                lastCheck = now
                onProgress(Progress(counts: counts, elapsed: now - start, relayFailures: await failures(current)))
                lastShown = now
            } else if now - lastShown >= .milliseconds(250) {
                let sent = current.sent - atCheck.sent
                let failed = current.failed - atCheck.failed
                var estimate = counts
                estimate[.sent, default: 0] += sent
                estimate[.failed, default: 0] += failed
                estimate[.queued] = max(0, open(counts) - sent - failed)
                estimate[.leased] = nil
                estimate[.retryScheduled] = nil
                onProgress(Progress(counts: estimate, elapsed: now - start, relayFailures: await failures(current)))
                lastShown = now
            }
        }
        onProgress(Progress(counts: counts, elapsed: ContinuousClock.now - start, relayFailures: await failures(tally.snapshot())))
        return counts
    }
}

/// Per-relay, outcome and retry counts from the worker's batch reports.
final class SendTally: Sendable {
    struct Snapshot {
        var perRelay: [String: Int] = [:]
        var sent = 0
        var failed = 0
        var retried = 0
        /// When a relay last took a message (or the send started).
        var lastAccepted = ContinuousClock.now
        /// The latest refusal of each relay, in words.
        var relayFailures: [String: String] = [:]
        /// Jobs this process finished (sent or failed).
        var finals: Int { sent + failed }
    }

    private let state = Mutex(Snapshot())

    func add(_ report: DeliveryWorker.BatchReport) {
        state.withLock { state in
            for (relay, count) in report.sent {
                state.perRelay[relay, default: 0] += count
                state.sent += count
            }
            state.failed += report.failed.values.reduce(0, +)
            state.retried += report.retried
            if !report.sent.isEmpty { state.lastAccepted = .now }
            for (relay, failure) in report.relayFailures where report.sent[relay] == nil { state.relayFailures[relay] = failure }
            for relay in report.sent.keys { state.relayFailures[relay] = nil }
        }
    }

    func snapshot() -> Snapshot { state.withLock { $0 } }
}

/// The relays' circuit-breaker changes during a send, in order, for its summary.
final class BreakerEventLog: Sendable {
    private let events = Mutex<[String]>([])
    func add(_ event: String) { events.withLock { $0.append(event) } }
    func all() -> [String] { events.withLock { $0 } }
}
