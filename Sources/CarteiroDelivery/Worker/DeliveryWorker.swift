public import CarteiroDomain
import CarteiroMail
import Foundation
public import Logging
import Metrics
public import ServiceLifecycle
import Synchronization

/// The email worker: claims batches of due jobs with a lease, composes and sends them through
/// the relay pool, and records every outcome in one write per batch (group commit). Any number
/// of workers, in any number of processes on one store, share the queue.
public struct DeliveryWorker: Service {
    public struct Configuration: Sendable {
        /// Names this worker's leases (host and process, for example).
        public var workerID: String
        public var batchSize: Int
        /// Batches in flight at once (each on its own relay lease).
        public var parallelBatches: Int
        /// A job not recorded within this time is claimed again by someone else. The worker renews
        /// the leases of the jobs it works on every third of it, so it bounds how long a crashed
        /// worker's jobs wait, not how long a batch may take.
        public var leaseDuration: Duration
        public var backoff: Backoff
        public var streams: [MailStream]
        /// How long an idle worker waits before looking at the queue again.
        public var idlePoll: Duration
        /// Per-recipient-domain limits, enforced through the store's throttle.
        public var domainLimits: DomainLimits
        /// The routes whose jobs this worker sends (and jobs without a route); nil: any job.
        public var routes: [String]? = nil
        /// Waits between tries while the store refuses claims or outcomes (each lane keeps its own).
        public var storeRetry = FailureBackoff(base: .milliseconds(200), cap: .seconds(10))
        /// While the store keeps failing, one log line per operation per this interval, with a count.
        public var failureLogInterval: Duration = .seconds(10)

        public init(
            workerID: String, batchSize: Int = 200, parallelBatches: Int = 4, leaseDuration: Duration = .seconds(30), backoff: Backoff = Backoff(),
            streams: [MailStream] = MailStream.allCases, idlePoll: Duration = .milliseconds(200), domainLimits: DomainLimits = DomainLimits()
        ) {
            self.workerID = workerID
            self.batchSize = batchSize
            self.parallelBatches = parallelBatches
            self.leaseDuration = leaseDuration
            self.backoff = backoff
            self.streams = streams
            self.idlePoll = idlePoll
            self.domainLimits = domainLimits
        }
    }

    private let queue: any EmailJobQueue
    private let catalog: SendCatalog
    private let pool: RelayPool
    private let configuration: Configuration
    private let clock: any WallClock
    private let logger: Logger
    private let progress: (@Sendable (BatchReport) -> Void)?
    private let gate: DomainGate?
    private let suppression: SuppressionCheck?
    private let storeFailures: LogThrottle

    /// `throttle` is required for `configuration.domainLimits` to take effect (the store's).
    public init(
        queue: any EmailJobQueue, catalog: SendCatalog, pool: RelayPool, configuration: Configuration, clock: any WallClock = SystemWallClock(),
        throttle: (any DeliveryThrottle)? = nil, suppression: SuppressionCheck? = nil, logger: Logger,
        progress: (@Sendable (BatchReport) -> Void)? = nil
    ) {
        self.suppression = suppression
        self.queue = queue
        self.catalog = catalog
        self.pool = pool
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.progress = progress
        storeFailures = LogThrottle(interval: configuration.failureLogInterval, clock: clock)
        if let throttle, !configuration.domainLimits.isEmpty {
            // A domain slot is held for one batch's delivery and not renewed: give it room beyond
            // the (renewed, short) job lease, so a slow domain's slot is not taken over mid-batch.
            gate = DomainGate(limits: configuration.domainLimits, throttle: throttle, slotLease: configuration.leaseDuration * 5, logger: logger)
        } else {
            gate = nil
        }
    }

    /// What one batch did, for progress display and tests.
    public struct BatchReport: Sendable {
        public var sent: [String: Int] = [:]
        public var retried = 0
        public var failed: [String: Int] = [:]
        public var released = 0
        /// Held back by a recipient domain's limit.
        public var deferred = 0
        public var stale = 0
        /// The last refusal of each relay in this batch, in words ("127.0.0.1:2599: connection
        /// refused"), so a send can say which relay fails and why.
        public var relayFailures: [String: String] = [:]
    }

    public func run() async throws {
        let stopping = StopFlag()
        let renewer = LeaseRenewer(queue: queue, leaseDuration: configuration.leaseDuration, clock: clock, logger: logger)
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Stopped once the lanes have returned, not at the shutdown signal: the batches
                // in flight then are still being sent, and keep their leases until recorded.
                group.addTask { await renewer.run() }
                try await withThrowingTaskGroup(of: Void.self) { lanes in
                    for lane in 0..<max(1, configuration.parallelBatches) {
                        lanes.addTask {
                            try await runLane(
                                "\(lane)", streams: configuration.streams, idlePoll: configuration.idlePoll, renewer: renewer, stopping: stopping)
                        }
                    }
                    // A lane of its own for transactional mail, polling often, so a confirmation never
                    // waits for a lane to finish a bulk batch. The other lanes take transactional
                    // mail first too, which helps with bursts.
                    if configuration.streams.contains(.transactional), configuration.streams.count > 1 {
                        lanes.addTask {
                            try await runLane(
                                "t", streams: [.transactional], idlePoll: min(configuration.idlePoll, .milliseconds(25)), renewer: renewer,
                                stopping: stopping)
                        }
                    }
                    try await lanes.waitForAll()
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            // Stop claiming; batches in flight finish and are recorded.
            stopping.stop()
        }
    }

    private func runLane(_ lane: String, streams: [MailStream], idlePoll: Duration, renewer: LeaseRenewer, stopping: StopFlag) async throws {
        var random = SystemRandomNumberGenerator()
        func nextClaim() -> ClaimRequest {
            ClaimRequest(
                owner: "\(configuration.workerID)/\(lane)", limit: configuration.batchSize, leaseDuration: configuration.leaseDuration,
                streams: streams, routes: configuration.routes, now: clock.now())
        }
        // Jobs claimed in the same write that recorded the previous batch.
        var claimedWithRecord: [EmailJob] = []
        var claimRetry = configuration.storeRetry
        while !stopping.isStopped && !Task.isCancelled {
            var jobs = claimedWithRecord
            claimedWithRecord = []
            if jobs.isEmpty {
                do {
                    jobs = try await queue.claim(nextClaim())
                    renewer.hold(jobs)
                    claimRetry.succeeded()
                } catch let error as StoreError where error.isTransient {
                    let wait = claimRetry.failed()
                    logStoreFailure("cannot claim jobs", error, retryingIn: wait)
                    // A wait of seconds ends early on shutdown: nothing is held meanwhile.
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
                    continue
                }
            }
            if jobs.isEmpty {
                try? await Task.sleep(for: idlePoll)
                continue
            }
            // A batch holding both streams is handled (and recorded) transactional part first;
            // the last part's outcomes are recorded together with the claim of the next batch.
            let transactional = jobs.filter { $0.stream == .transactional }
            let parts = [transactional, jobs.filter { $0.stream != .transactional }].filter { !$0.isEmpty }
            for (index, part) in parts.enumerated() {
                let claimsNext = index == parts.count - 1
                claimedWithRecord = try await handle(part, lane: lane, renewer: renewer, random: &random) {
                    claimsNext && !stopping.isStopped && !Task.isCancelled ? nextClaim() : nil
                }
            }
        }
        // Stopped with a batch claimed along with the last record: it was never attempted.
        if !claimedWithRecord.isEmpty {
            _ = try await recordDurably(
                claimedWithRecord.map { .init(jobID: $0.id, leaseToken: $0.lease?.token ?? "", result: .released) }, thenClaim: nil)
            renewer.release(claimedWithRecord)
        }
    }

    /// Sends `jobs` and records their outcomes; returns the jobs claimed in the same write when
    /// `nextClaim` asks for a claim (it is asked once the outcomes are ready, so its time is current).
    /// `renewer` holds the claimed jobs' leases from that write on, and lets go of `jobs`'.
    private func handle(
        _ jobs: [EmailJob], lane: String, renewer: LeaseRenewer, random: inout SystemRandomNumberGenerator, nextClaim: () -> ClaimRequest?
    ) async throws -> [EmailJob] {
        let (sendable, withheld) = await withholdingSuppressed(jobs)
        var admission = DomainGate.Admission()
        let holder = "\(configuration.workerID)/\(lane)/\(UUID().uuidString)"
        if let gate {
            admission = await gate.admit(sendable, holder: holder, now: clock.now())
        } else {
            admission.admitted = sendable
        }
        var (outcomes, report, waitForRelays) = await process(admission.admitted, slots: admission.slots, random: &random)
        if let gate, !admission.slots.isEmpty { await gate.release(admission.slots, holder: holder) }
        for (job, until) in admission.deferred {
            outcomes.append(.init(jobID: job.id, leaseToken: job.lease?.token ?? "", result: .deferred(until: until)))
        }
        report.deferred = admission.deferred.count
        outcomes += withheld
        // While the relays are down, the next batch is claimed after the wait, not before it.
        let claimed = try await recordDurably(outcomes, thenClaim: waitForRelays == nil ? nextClaim() : nil)
        // Released first: a job given back unattempted can be claimed again in the same write.
        renewer.release(jobs)
        renewer.hold(claimed)
        progress?(report)
        if let waitForRelays { try? await Task.sleep(for: waitForRelays) }
        return claimed
    }

    /// Bulk jobs whose recipient became suppressed since the send was accepted are cancelled
    /// instead of sent. When the check itself fails, the batch's bulk jobs are given back
    /// unattempted: none is sent without it.
    private func withholdingSuppressed(_ jobs: [EmailJob]) async -> (sendable: [EmailJob], withheld: [EmailJobOutcome]) {
        guard let suppression, jobs.contains(where: { $0.stream == .bulk }) else { return (jobs, []) }
        let bulk = jobs.filter { $0.stream == .bulk }
        do {
            let suppressed = try await suppression.suppressed(bulk.map(\.recipient))
            guard !suppressed.isEmpty else { return (jobs, []) }
            let withheld = bulk.filter { suppressed.contains($0.recipient.canonical) }
            return (
                jobs.filter { $0.stream != .bulk || !suppressed.contains($0.recipient.canonical) },
                withheld.map { .init(jobID: $0.id, leaseToken: $0.lease?.token ?? "", result: .cancelled(reason: "the recipient is suppressed")) }
            )
        } catch {
            let occurrence = storeFailures.record("suppression check")
            if occurrence.shouldLog {
                logger.warning(
                    "cannot check a batch's recipients against the suppression list; its bulk jobs go back to the queue",
                    metadata: ["error": "\(error)", "unlogged_since_last": "\(occurrence.suppressed)"])
            }
            return (jobs.filter { $0.stream != .bulk }, bulk.map { .init(jobID: $0.id, leaseToken: $0.lease?.token ?? "", result: .released) })
        }
    }

    /// Records outcomes (and claims `next` in the same write), retrying while the store is
    /// unavailable: an outcome that is not recorded would make its job be sent again after its
    /// lease expires. A retry only records: the next batch is then claimed by the lane's loop.
    private func recordDurably(_ outcomes: [EmailJobOutcome], thenClaim next: ClaimRequest?) async throws -> [EmailJob] {
        var next = next
        var retry = configuration.storeRetry
        while true {
            do {
                let result: RecordResult
                var claimed: [EmailJob] = []
                if let request = next {
                    (result, claimed) = try await queue.record(outcomes, at: clock.now(), thenClaim: request)
                } else {
                    result = try await queue.record(outcomes, at: clock.now())
                }
                if !result.stale.isEmpty {
                    logger.warning("outcomes refused: leases expired and were taken over", metadata: ["jobs": "\(result.stale.count)"])
                }
                return claimed
            } catch let error as StoreError where error.isTransient {
                let wait = retry.failed()
                logStoreFailure("cannot record outcomes yet", error, retryingIn: wait)
                next = nil
                try await Task.sleep(for: wait)
            }
        }
    }

    /// One line per operation per `failureLogInterval` while the store keeps failing (every
    /// lane fails alike), with the number of failures the line stands for.
    private func logStoreFailure(_ message: Logger.Message, _ error: StoreError, retryingIn wait: Duration) {
        let occurrence = storeFailures.record(message.description)
        guard occurrence.shouldLog else { return }
        logger.warning(
            message,
            metadata: [
                "error": "\(error)", "retry_in": "\(wait)", "unlogged_since_last": "\(occurrence.suppressed)",
                "incident": "\(occurrence.incident)",
            ])
    }

    private func process(_ jobs: [EmailJob], slots: [String: [Int]], random: inout SystemRandomNumberGenerator) async -> (
        [EmailJobOutcome], BatchReport, Duration?
    ) {
        var outcomes: [EmailJobOutcome] = []
        var report = BatchReport()
        var waitForRelays: Duration?
        var composedByStream: [MailStream: [(EmailJob, ComposedMessage)]] = [:]
        let now = clock.now()

        // A batch is nearly always one send: look its content up once, not once per job.
        var contents: [SendID: SendCatalog.Content] = [:]
        for job in jobs {
            let token = job.lease?.token ?? ""
            do {
                let content: SendCatalog.Content
                if let cached = contents[job.sendID] {
                    content = cached
                } else {
                    content = try await catalog.content(for: job.sendID)
                    contents[job.sendID] = content
                }
                let message = try content.composer.compose(job, template: content.template)
                composedByStream[job.stream, default: []].append((job, message))
            } catch let error as CompositionError {
                // The message cannot be built: no relay will ever take it.
                outcomes.append(
                    .init(jobID: job.id, leaseToken: token, result: .failed(relay: nil, failure: DeliveryFailure(text: error.description))))
                report.failed["composition", default: 0] += 1
            } catch {
                outcomes.append(.init(jobID: job.id, leaseToken: token, result: .released))
                report.released += 1
                logger.error("cannot load the send of a job", metadata: ["job": "\(job.id)", "error": "\(error)"])
            }
        }

        for stream in MailStream.allCases {
            guard let pairs = composedByStream[stream], !pairs.isEmpty else { continue }
            guard let lease = await pool.lease(for: stream) else {
                // Every relay for this stream is down: give the jobs back unattempted and wait.
                // They are not failed — a send whose relays are all down waits.
                for (job, _) in pairs { outcomes.append(.init(jobID: job.id, leaseToken: job.lease?.token ?? "", result: .released)) }
                report.released += pairs.count
                let until = await pool.nextAvailability()
                waitForRelays =
                    until.map { max(.milliseconds(50), Duration.seconds(max(0, $0.timeIntervalSince(clock.now())))) } ?? configuration.idlePoll
                continue
            }
            let started = ContinuousClock.now
            let results = await Self.deliver(pairs.map { ($0.0.recipient.domain.lowercased(), $0.1) }, through: lease.transport, slots: slots)
            await pool.complete(lease, outcomes: results)
            let elapsed = (ContinuousClock.now - started).nanoseconds
            Timer(label: "carteiro_send_batch_duration_seconds", dimensions: [("relay", lease.relay)]).recordNanoseconds(elapsed)
            let latency = Timer(label: "carteiro_email_send_latency_seconds", dimensions: [("relay", lease.relay)])
            var outcomeCounts = (sent: 0, retry: 0, failed: 0)
            defer {
                for (outcome, count) in [("sent", outcomeCounts.sent), ("retry", outcomeCounts.retry), ("failed", outcomeCounts.failed)]
                where count > 0 {
                    Counter(label: "carteiro_emails_total", dimensions: [("relay", lease.relay), ("outcome", outcome)]).increment(by: count)
                }
            }
            for ((job, _), result) in zip(pairs, results) {
                let token = job.lease?.token ?? ""
                switch result {
                case .accepted:
                    outcomes.append(.init(jobID: job.id, leaseToken: token, result: .sent(relay: lease.relay)))
                    latency.recordNanoseconds(elapsed)
                    report.sent[lease.relay, default: 0] += 1
                    outcomeCounts.sent += 1
                case .rejected(let failure) where failure.isTransient && !configuration.backoff.isExhausted(attempts: job.attempts):
                    report.relayFailures[lease.relay] = failure.failure.description
                    let delay = configuration.backoff.delay(afterAttempt: job.attempts, retryAfter: failure.retryAfter, using: &random)
                    outcomes.append(
                        .init(
                            jobID: job.id, leaseToken: token,
                            result: .retry(at: now.addingTimeInterval(delay.timeInterval), relay: lease.relay, failure: failure.failure)))
                    report.retried += 1
                    outcomeCounts.retry += 1
                case .rejected(let failure):
                    report.relayFailures[lease.relay] = failure.failure.description
                    outcomes.append(.init(jobID: job.id, leaseToken: token, result: .failed(relay: lease.relay, failure: failure.failure)))
                    report.failed[failure.failure.replyCode.map(String.init) ?? "transport", default: 0] += 1
                    outcomeCounts.failed += 1
                }
            }
        }
        return (outcomes, report, waitForRelays)
    }

    /// Delivers a batch: messages to domains holding slots go one at a time per slot (so at most
    /// that many are in flight for the domain), the rest in one call; outcomes in input order.
    static func deliver(_ messages: [(domain: String, message: ComposedMessage)], through transport: any MailTransport, slots: [String: [Int]])
        async -> [TransportOutcome]
    {
        guard !slots.isEmpty else { return await transport.deliver(messages.map(\.message)) }
        var free: [Int] = []
        var lanes: [[Int]] = []
        var laneOfSlot: [String: [Int]] = [:]
        var sentToDomain: [String: Int] = [:]
        for (index, item) in messages.enumerated() {
            guard let held = slots[item.domain], !held.isEmpty else {
                free.append(index)
                continue
            }
            if laneOfSlot[item.domain] == nil {
                laneOfSlot[item.domain] = held.map { _ in
                    lanes.append([])
                    return lanes.count - 1
                }
            }
            // The domain's messages go round its lanes in turn.
            let domainLanes = laneOfSlot[item.domain]!
            let turn = sentToDomain[item.domain, default: 0]
            lanes[domainLanes[turn % domainLanes.count]].append(index)
            sentToDomain[item.domain] = turn + 1
        }
        var results = [TransportOutcome?](repeating: nil, count: messages.count)
        let unlimited = free
        let slotLanes = lanes
        await withTaskGroup(of: [(Int, TransportOutcome)].self) { group in
            if !unlimited.isEmpty {
                group.addTask { Array(zip(unlimited, await transport.deliver(unlimited.map { messages[$0].message }))) }
            }
            for lane in slotLanes where !lane.isEmpty {
                group.addTask {
                    var done: [(Int, TransportOutcome)] = []
                    for index in lane { done.append((index, (await transport.deliver([messages[index].message])).first ?? missingOutcome)) }
                    return done
                }
            }
            for await part in group { for (index, outcome) in part { results[index] = outcome } }
        }
        return results.map { $0 ?? missingOutcome }
    }
}

private let missingOutcome = TransportOutcome.rejected(
    TransportFailure(failure: DeliveryFailure(text: "the transport returned no outcome"), isTransient: true))

final class StopFlag: Sendable {
    private let stopped = Atomic<Bool>(false)
    var isStopped: Bool { stopped.load(ordering: .relaxed) }
    func stop() { stopped.store(true, ordering: .relaxed) }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
