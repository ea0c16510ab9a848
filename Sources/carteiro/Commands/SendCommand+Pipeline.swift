import ArgumentParser
import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import CarteiroServer
import CarteiroUseCases
import Foundation
import Logging
import Synchronization

/// `carteiro send` through the durable pipeline: the send and one job per recipient are written
/// to the store before anything is sent; an in-process worker sends them; a killed run is
/// finished by `carteiro send --resume SEND` or by any `carteiro serve --roles worker`.
extension SendCommand {
    /// `makePlan` checks a new send (nil: `--resume`), given the route its jobs will carry.
    func runPipeline(plan makePlan: ((String?) throws -> AcceptSend.Plan)?, logger: Logger, started: ContinuousClock.Instant = .now) async throws {
        var sources = storeOptions.sources(
            settings: StoreConfiguration.Keys.all + DeliveryConfiguration.Keys.all + [SignUpConfiguration.Keys.publicURL])
        deliveryOptions.addFlags(to: &sources)
        sources.flag(SignUpConfiguration.Keys.publicURL, publicURL)
        let (storage, delivery, links) = try await StoreOptions.read(sources) { reader throws(ConfigurationError) in
            (try StoreConfiguration(reader: reader), try DeliveryConfiguration(reader: reader), try SignUpConfiguration(reader: reader).publicURL)
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
            store = try await StoreFactory.open(
                location, compoundPagingIndexes: storeOptions.compoundPagingIndexes, sqliteCaches: .init(readerKiB: 512), logger: logger)
        } catch {
            throw CLIError.badInput("cannot open the store \(location): \(error)")
        }
        do {
            // The store's upkeep (the embedded store's checkpoints) runs beside the send and ends with it.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.runMaintenance() }
                try await runPipeline(
                    plan: plan, store: store, storage: storage, delivery: delivery, publicURL: links, relays: relays, ownRoute: ownRoute,
                    giveUp: giveUp, logger: logger, started: started)
                group.cancelAll()
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    private func runPipeline(
        plan: AcceptSend.Plan?, store: any Store, storage: StoreConfiguration, delivery: DeliveryConfiguration, publicURL: URL?,
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
        let mailLinks: MailLinks?
        do {
            mailLinks = try await MailLinks.load(publicURL: publicURL, unsubscribeMailbox: nil, store: store)
        } catch {
            throw CLIError.failed("cannot read the link-signing key from \(storage.location): \(error)")
        }
        let runner = SendDelivery(
            store: store, delivery: delivery, relays: relays.map { (url: $0.0, definition: $0.1) },
            keyring: try legacyKeyring(domain: String(send.from.domain), adding: delivery.keyring), links: mailLinks, routes: [send.route ?? ownRoute],
            options: .init(
                parallelBatches: parallelBatches, connectionsPerRelay: concurrency, giveUpAfter: giveUp,
                workerID: "send-\(ProcessInfo.processInfo.processIdentifier)"),
            logger: logger)
        let progress = ProgressLine(enabled: !json)
        let outcome: SendDelivery.Outcome
        do {
            outcome = try await runner.run(sendID) { progress.show($0) }
        } catch let error as SendDelivery.GaveUp {
            progress.finish()
            throw CLIError.failed(error.description)
        }
        progress.finish()
        var summary = SendSummary()
        summary.sendID = sendID.rawValue
        summary.sent = outcome.counts[.sent] ?? 0
        summary.retried = outcome.retried
        summary.perRelay = outcome.perRelay
        summary.breakerEvents = outcome.breakerEvents
        summary.seconds = outcome.elapsed.timeInterval
        summary.acceptSeconds = acceptSeconds
        summary.relay = relays.map(\.1.configuration.name).joined(separator: ", ")
        if let send = try await store.sends.get(sendID) {
            summary.requested = send.requested
            summary.suppressed = send.suppressed
            summary.duplicates = send.duplicates
        }
        if (outcome.counts[.failed] ?? 0) > 0 {
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

/// A live progress bar on a terminal; plain periodic lines otherwise.
final class ProgressLine: Sendable {
    private let enabled: Bool

    private let terminal = isatty(STDERR_FILENO) == 1
    private let lastPlain = Mutex<ContinuousClock.Instant?>(nil)

    init(enabled: Bool) { self.enabled = enabled }

    /// The counts, then each failing relay and why, so a person sees which relay fails.
    func show(_ progress: SendDelivery.Progress) {
        guard enabled else { return }
        let counts = progress.counts
        let elapsed = progress.elapsed
        let failures = progress.relayFailures
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
