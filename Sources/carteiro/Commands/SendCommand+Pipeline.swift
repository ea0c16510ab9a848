import ArgumentParser
import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import CarteiroServer
import Foundation
import Logging
import Synchronization

/// `carteiro send` through the durable pipeline: the send and one job per recipient are written
/// to the store before anything is sent; an in-process worker sends them; a killed run is
/// finished by `carteiro send --resume SEND` or by any `carteiro serve --roles worker`.
extension SendCommand {
    func runPipeline(plan: Plan?, logger: Logger) async throws {
        let location = try storeOptions.location()
        let store: any Store
        do {
            store = try await StoreFactory.open(location, logger: logger)
        } catch {
            throw CLIError.badInput("cannot open the store \(location): \(error)")
        }
        defer { Task { await store.close() } }

        let sendID: SendID
        if let plan {
            let accepted = try await accept(plan, into: store)
            sendID = accepted
        } else {
            guard let resume, let existing = try await store.sends.get(SendID(rawValue: resume)) else {
                throw CLIError.badInput("--resume \(resume ?? ""): no such send in \(location)")
            }
            sendID = existing.id
        }

        let relays = try (relayURLs.isEmpty ? [Environment.value("CARTEIRO_RELAY") ?? Self.defaultRelay] : relayURLs).map { text in
            do {
                return (text, try RelayURL.parse(text))
            } catch {
                throw CLIError.badInput("\(error)")
            }
        }
        guard let strategyValue = RelayPool.Strategy(rawValue: strategy) else {
            throw CLIError.badInput("--strategy must be one of \(RelayPool.Strategy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let pool = RelayPool(
            relays: relays.map { text, relay in
                let name = RelayURL.redacted(text)
                return (RelayConfiguration(name: name), relay.makeTransport(name: name, maxConnections: concurrency, logger: logger))
            },
            strategy: strategyValue, clock: SystemWallClock())
        let tally = SendTally()
        let worker = DeliveryWorker(
            queue: store.emailJobs, catalog: SendCatalog(sends: store.sends, makeComposer: composerFactory()), pool: pool,
            configuration: .init(
                workerID: "send-\(ProcessInfo.processInfo.processIdentifier)", batchSize: batchSize, parallelBatches: max(1, relays.count * 2),
                leaseDuration: .seconds(max(1, leaseSeconds))),
            logger: logger, progress: { tally.add($0) })

        let start = ContinuousClock.now
        let progress = ProgressLine(enabled: !json)
        let counts = try await withThrowingTaskGroup(of: [EmailJob.Status: Int]?.self, returning: [EmailJob.Status: Int].self) { group in
            group.addTask {
                try await withThrowingTaskGroup(of: Void.self, returning: Void.self) { inner in
                    inner.addTask { await pool.runHeartbeats(every: .seconds(10)) }
                    inner.addTask { try await worker.run() }
                    _ = try await inner.next()
                    inner.cancelAll()
                }
                return nil
            }
            group.addTask {
                while true {
                    let counts = try await store.emailJobs.statusCounts(sendID: sendID)
                    let open = (counts[.queued] ?? 0) + (counts[.leased] ?? 0) + (counts[.retryScheduled] ?? 0)
                    progress.show(counts: counts, elapsed: ContinuousClock.now - start)
                    if open == 0 { return counts }
                    try await Task.sleep(for: .milliseconds(250))
                }
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
        summary.failed = counts[.failed] ?? 0
        summary.retried = snapshot.retried
        summary.perRelay = snapshot.perRelay
        summary.seconds = (ContinuousClock.now - start).timeInterval
        summary.relay = relays.map { RelayURL.redacted($0.0) }.joined(separator: ", ")
        if let send = try await store.sends.get(sendID) {
            summary.suppressed = send.suppressed
            summary.duplicates = send.duplicates
        }
        if summary.failed > 0 {
            var cursor: String?
            repeat {
                let page = try await store.emailJobs.jobs(sendID: sendID, page: try PageRequest(limit: 1000, cursor: cursor))
                for job in page.items where job.status == .failed {
                    summary.failures[job.lastError?.description ?? "failed", default: []].append(job.recipient.value)
                }
                cursor = page.nextCursor
            } while cursor != nil
        }
        summary.print(json: json)
        if summary.failed > 0 { throw ExitCode(1) }
    }

    /// Writes the send and its jobs durably; returns once they are committed.
    private func accept(_ plan: Plan, into store: any Store) async throws -> SendID {
        var send = plan.send
        var jobs: [EmailJob] = []
        jobs.reserveCapacity(plan.jobs.count)
        var suppressed = 0
        let checkSuppression = try await store.contacts.count() > 0
        for job in plan.jobs {
            if checkSuppression, let contact = try await store.contacts.find(email: job.recipient), contact.status.isSuppressed {
                suppressed += 1
                continue
            }
            jobs.append(job)
        }
        send.suppressed = suppressed
        send.duplicates = plan.duplicates
        send.requested = plan.jobs.count + plan.duplicates
        _ = try await store.sends.insert(send)
        var duplicates = 0
        for batch in stride(from: 0, to: jobs.count, by: 5000) {
            duplicates += try await store.emailJobs.enqueue(Array(jobs[batch..<min(batch + 5000, jobs.count)]), events: []).duplicates
        }
        if !json { FileHandle.standardError.write(Data("send \(send.id): \(jobs.count - duplicates) jobs queued\n".utf8)) }
        return send.id
    }
}

/// Per-relay and retry counts from the worker's batch reports.
final class SendTally: Sendable {
    private let state = Mutex<(perRelay: [String: Int], retried: Int)>(([:], 0))

    func add(_ report: DeliveryWorker.BatchReport) {
        state.withLock { state in
            for (relay, count) in report.sent { state.perRelay[relay, default: 0] += count }
            state.retried += report.retried
        }
    }

    func snapshot() -> (perRelay: [String: Int], retried: Int) { state.withLock { $0 } }
}

/// A live progress bar on a terminal; plain periodic lines otherwise.
final class ProgressLine: Sendable {
    private let enabled: Bool
    private let terminal = isatty(STDERR_FILENO) == 1
    private let lastPlain = Mutex<ContinuousClock.Instant?>(nil)

    init(enabled: Bool) { self.enabled = enabled }

    func show(counts: [EmailJob.Status: Int], elapsed: Duration) {
        guard enabled else { return }
        let total = counts.values.reduce(0, +)
        let done = (counts[.sent] ?? 0) + (counts[.failed] ?? 0)
        let seconds = max(0.001, elapsed.timeInterval)
        let text = "sent \(counts[.sent] ?? 0), failed \(counts[.failed] ?? 0), retrying \(counts[.retryScheduled] ?? 0) of \(total) — \(Int(Double(done) / seconds))/s"
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
