import ArgumentParser
import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import CarteiroServer
import CarteiroUseCases
import Configuration
import CurlKit
import Foundation
import Logging
import Synchronization

/// `carteiro send` through the durable pipeline: the send and one job per recipient are written
/// to the store before anything is sent; an in-process worker sends them; a killed run is
/// finished by `carteiro send --resume SEND` or by any `carteiro serve --roles worker`.
extension SendCommand {
    /// `makePlan` checks a new send (nil: `--resume`), given the route its jobs will carry.
    func runPipeline(plan makePlan: ((String?) throws -> AcceptSend.Plan)?, logger: Logger, started: ContinuousClock.Instant = .now) async throws {
        var sources = storeOptions.sources(settings: StoreConfiguration.Keys.all + DeliveryConfiguration.Keys.all)
        deliveryOptions.addFlags(to: &sources)
        let (storage, delivery) = try await StoreOptions.read(sources) { reader throws(ConfigurationError) in
            (try StoreConfiguration(reader: reader), try DeliveryConfiguration(reader: reader))
        }
        guard let giveUp = Self.duration(giveUpAfter) else {
            throw CLIError.badInput("--give-up-after '\(giveUpAfter)' is not a duration such as 30s, 10m or 1h")
        }
        let relays = try (delivery.relays.isEmpty ? [storage.defaultRelay] : delivery.relays).map { text in
            do {
                return (text, try RelayDefinition.parse(text))
            } catch {
                throw CLIError.badInput("\(error)")
            }
        }
        // The jobs carry the route of the relays this send was given. A queued send given none
        // is for whichever worker takes it.
        let ownRoute = delivery.route(relays: relays.map(\.1.configuration.name))
        let route = queueOnly && delivery.route == nil && delivery.relays.isEmpty ? nil : ownRoute
        let plan = try makePlan?(route)
        let location = storage.location
        let store: any Store
        do {
            // Peak resident memory is a requirement here: the reading connections, which count
            // jobs by status now and then, keep 512 KiB of pages each instead of 2 MB.
            store = try await StoreFactory.open(location, sqliteCaches: .init(readerKiB: 512), logger: logger)
        } catch {
            throw CLIError.badInput("cannot open the store \(location): \(error)")
        }
        do {
            // The store's upkeep (the embedded store's checkpoints) runs beside the send and ends with it.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.runMaintenance() }
                try await runPipeline(
                    plan: plan, store: store, storage: storage, delivery: delivery, relays: relays, ownRoute: ownRoute, giveUp: giveUp, logger: logger,
                    started: started)
                group.cancelAll()
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    private func runPipeline(
        plan: AcceptSend.Plan?, store: any Store, storage: StoreConfiguration, delivery: DeliveryConfiguration,
        relays: [(String, RelayDefinition)], ownRoute: String, giveUp: Duration, logger: Logger, started: ContinuousClock.Instant
    ) async throws {
        let sendID: SendID
        if let plan {
            let send = try await AcceptSend(store: store).accept(plan)
            if !json {
                let queued = send.requested - send.suppressed - send.duplicates
                FileHandle.standardError.write(Data("send \(send.id): \(queued) jobs queued\n".utf8))
            }
            sendID = send.id
            if queueOnly {
                var summary = SendSummary()
                summary.sendID = send.id.rawValue
                summary.requested = send.requested
                summary.suppressed = send.suppressed
                summary.duplicates = send.duplicates
                summary.acceptSeconds = (ContinuousClock.now - started).timeInterval
                if json {
                    summary.print(json: true)
                } else {
                    // The id alone on standard output, for scripts: SEND=$(carteiro send --queue-only …)
                    emit(send.id.rawValue)
                }
                return
            }
        } else {
            guard let resume, let existing = try await store.sends.get(SendID(rawValue: resume)) else {
                throw CLIError.badInput("--resume \(resume ?? ""): no such send in \(storage.location)")
            }
            sendID = existing.id
        }
        let acceptSeconds = (ContinuousClock.now - started).timeInterval
        // Acceptance's garbage (parsed rows, encoded jobs) is not needed while sending.
        MallocTuning.releaseFreeMemory()

        guard let send = try await store.sends.get(sendID) else { throw CLIError.failed("send \(sendID) vanished from the store") }
        let keyring = try legacyKeyring(domain: String(send.from.domain), adding: delivery.keyring)
        var totalConnections = 0
        let breakerEvents = BreakerEventLog()
        let pool = RelayPool(
            relays: relays.map { text, definition in
                let connections = connections(for: text)
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
        // Each batch is claimed, composed, delivered and recorded in turn; with more batches in
        // flight, one is being delivered while others are in the store or being composed, so the
        // connections are not left idle (measured with `carteiro bench delivery`: 8 connections
        // sent ~10% more with 4 batches than with 2).
        let lanes = parallelBatches ?? DeliveryWorker.Configuration.defaultParallelBatches(relays: relays.count, connections: totalConnections)
        let tally = SendTally()
        let worker = DeliveryWorker(
            queue: store.emailJobs, catalog: SendCatalog(sends: store.sends, makeComposer: SendCatalog.composer(signingWith: keyring)), pool: pool,
            configuration: delivery.workerConfiguration(
                workerID: "send-\(ProcessInfo.processInfo.processIdentifier)", routes: [send.route ?? ownRoute], parallelBatches: lanes),
            clock: SystemWallClock(), throttle: store.throttle, logger: logger, progress: { tally.add($0) })

        let start = ContinuousClock.now
        let progress = ProgressLine(enabled: !json)
        let counts = try await withThrowingTaskGroup(of: [EmailJob.Status: Int]?.self, returning: [EmailJob.Status: Int].self) { group in
            group.addTask {
                try await withThrowingTaskGroup(of: Void.self, returning: Void.self) { inner in
                    inner.addTask { await pool.runHeartbeats(every: delivery.heartbeatInterval) }
                    inner.addTask { try await worker.run() }
                    _ = try await inner.next()
                    inner.cancelAll()
                }
                return nil
            }
            group.addTask {
                try await Self.waitUntilFinished(sendID, store: store, pool: pool, tally: tally, progress: progress, start: start, giveUp: giveUp)
            }
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
        progress.finish()
        let snapshot = tally.snapshot()
        var summary = SendSummary()
        summary.sendID = sendID.rawValue
        summary.sent = counts[.sent] ?? 0
        summary.retried = snapshot.retried
        summary.perRelay = snapshot.perRelay
        summary.breakerEvents = breakerEvents.all()
        summary.seconds = (ContinuousClock.now - start).timeInterval
        summary.acceptSeconds = acceptSeconds
        summary.relay = relays.map(\.1.configuration.name).joined(separator: ", ")
        if let send = try await store.sends.get(sendID) {
            summary.requested = send.requested
            summary.suppressed = send.suppressed
            summary.duplicates = send.duplicates
        }
        if (counts[.failed] ?? 0) > 0 {
            var cursor: String?
            repeat {
                let page = try await store.emailJobs.jobs(sendID: sendID, page: try PageRequest(limit: 1000, cursor: cursor))
                for job in page.items where job.status == .failed {
                    summary.fail(job.recipient.value, reason: job.lastError?.description ?? "failed")
                }
                cursor = page.nextCursor
            } while cursor != nil
        }
        summary.print(json: json)
        if summary.failed > 0 { throw ExitCode(1) }
    }

    /// Connections per relay: --concurrency, else the URL's connections=, else 8.
    private func connections(for relay: String) -> Int? {
        if let concurrency { return max(1, concurrency) }
        let query = URLComponents(string: relay)?.queryItems ?? []
        return query.contains { $0.name.lowercased() == "connections" } ? nil : 8
    }

    /// Returns the send's final status counts once none of its jobs is open. This process's own
    /// outcomes are counted as they are recorded; the store, whose count of a large send's jobs
    /// costs a scan, is asked when they add up or every few seconds (other workers may help).
    private static func waitUntilFinished(
        _ sendID: SendID, store: any Store, pool: RelayPool, tally: SendTally, progress: ProgressLine, start: ContinuousClock.Instant,
        giveUp: Duration
    ) async throws -> [EmailJob.Status: Int] {
        func open(_ counts: [EmailJob.Status: Int]) -> Int { (counts[.queued] ?? 0) + (counts[.leased] ?? 0) + (counts[.retryScheduled] ?? 0) }
        var counts = try await store.emailJobs.statusCounts(sendID: sendID)
        // This process's outcomes when `counts` was read.
        var atCheck = tally.snapshot()
        var expected = atCheck.finals + open(counts)
        var lastCheck = ContinuousClock.now
        var lastShown = ContinuousClock.now
        while open(counts) > 0 {
            try await Task.sleep(for: .milliseconds(10))
            let now = ContinuousClock.now
            let current = tally.snapshot()
            var failures = current.relayFailures
            for relay in await pool.snapshot() where !relay.healthy || relay.breaker != .closed {
                if let failure = relay.heartbeatFailure, failures[relay.name] == nil { failures[relay.name] = failure.description }
            }
            progress.failures = failures
            if now - current.lastAccepted >= giveUp {
                progress.finish()
                let why = failures.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
                throw CLIError.failed(
                    "no relay took a message for \(giveUp) (\(why.isEmpty ? "every relay is down" : why)); the jobs stay queued: carteiro send --resume \(sendID)")
            }
            if current.finals >= expected || now - lastCheck >= .seconds(5) {
                MallocTuning.releaseFreeMemory()
                counts = try await store.emailJobs.statusCounts(sendID: sendID)
                // Jobs still open then are the ones this process has yet to finish.
                atCheck = current
                expected = current.finals + open(counts)
                lastCheck = now
                progress.show(counts: counts, elapsed: now - start)
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
                progress.show(counts: estimate, elapsed: now - start)
                lastShown = now
            }
        }
        progress.show(counts: counts, elapsed: ContinuousClock.now - start)
        return counts
    }

    /// A duration written `30s`, `10m`, `1h` or a number of seconds.
    static func duration(_ text: String) -> Duration? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        var number = text.trimmingCharacters(in: .whitespaces).lowercased()
        var scale = 1.0
        if let last = number.last, let unit = units[last] {
            scale = unit
            number.removeLast()
        }
        guard let value = Double(number), value > 0, value.isFinite else { return nil }
        return .milliseconds(Int64(value * scale * 1000))
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

/// A live progress bar on a terminal; plain periodic lines otherwise.
final class ProgressLine: Sendable {
    private let enabled: Bool
    private let relayFailures = Mutex<[String: String]>([:])
    /// Relays failing now, shown after the counts so a person sees which relay fails and why.
    var failures: [String: String] {
        get { relayFailures.withLock { $0 } }
        set { relayFailures.withLock { $0 = newValue } }
    }
    private let terminal = isatty(STDERR_FILENO) == 1
    private let lastPlain = Mutex<ContinuousClock.Instant?>(nil)

    init(enabled: Bool) { self.enabled = enabled }

    func show(counts: [EmailJob.Status: Int], elapsed: Duration) {
        guard enabled else { return }
        let total = counts.values.reduce(0, +)
        let done = (counts[.sent] ?? 0) + (counts[.failed] ?? 0)
        let seconds = max(0.001, elapsed.timeInterval)
        var text =
            "sent \(counts[.sent] ?? 0), failed \(counts[.failed] ?? 0), retrying \(counts[.retryScheduled] ?? 0) of \(total) — \(Int(Double(done) / seconds))/s"
        for (relay, failure) in failures.sorted(by: { $0.key < $1.key }) { text += " — \(relay): \(failure)" }
        if terminal {
            let width = 30
            let filled = total == 0 ? width : width * done / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\(bar) \(text)\u{1B}[K".utf8))
        } else {
            let now = ContinuousClock.now
            let due = lastPlain.withLock { last -> Bool in
                guard last.map({ now - $0 >= .seconds(2) }) ?? true else { return false }
                last = now
                return true
            }
            if due { FileHandle.standardError.write(Data("\(text)\n".utf8)) }
        }
    }

    func finish() {
        if enabled && terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
