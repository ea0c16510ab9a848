public import CarteiroDomain
public import CarteiroMail
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
        /// A job not recorded within this time is claimed again by someone else.
        public var leaseDuration: Duration
        public var backoff: Backoff
        public var streams: [MailStream]
        /// How long an idle worker waits before looking at the queue again.
        public var idlePoll: Duration

        public init(
            workerID: String, batchSize: Int = 200, parallelBatches: Int = 4, leaseDuration: Duration = .seconds(300), backoff: Backoff = Backoff(),
            streams: [MailStream] = MailStream.allCases, idlePoll: Duration = .milliseconds(200)
        ) {
            self.workerID = workerID
            self.batchSize = batchSize
            self.parallelBatches = parallelBatches
            self.leaseDuration = leaseDuration
            self.backoff = backoff
            self.streams = streams
            self.idlePoll = idlePoll
        }
    }

    private let queue: any EmailJobQueue
    private let catalog: SendCatalog
    private let pool: RelayPool
    private let configuration: Configuration
    private let clock: any WallClock
    private let logger: Logger
    private let progress: (@Sendable (BatchReport) -> Void)?

    public init(
        queue: any EmailJobQueue, catalog: SendCatalog, pool: RelayPool, configuration: Configuration, clock: any WallClock = SystemWallClock(),
        logger: Logger, progress: (@Sendable (BatchReport) -> Void)? = nil
    ) {
        self.queue = queue
        self.catalog = catalog
        self.pool = pool
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.progress = progress
    }

    /// What one batch did, for progress display and tests.
    public struct BatchReport: Sendable {
        public var sent: [String: Int] = [:]
        public var retried = 0
        public var failed: [String: Int] = [:]
        public var released = 0
        public var stale = 0
    }

    public func run() async throws {
        let stopping = StopFlag()
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<max(1, configuration.parallelBatches) {
                    group.addTask { try await runLane(lane, stopping: stopping) }
                }
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            // Stop claiming; batches in flight finish and are recorded.
            stopping.stop()
        }
    }

    private func runLane(_ lane: Int, stopping: StopFlag) async throws {
        var random = SystemRandomNumberGenerator()
        while !stopping.isStopped && !Task.isCancelled {
            let jobs: [EmailJob]
            do {
                jobs = try await queue.claim(
                    ClaimRequest(
                        owner: "\(configuration.workerID)/\(lane)", limit: configuration.batchSize, leaseDuration: configuration.leaseDuration,
                        streams: configuration.streams, now: clock.now()))
            } catch let error as StoreError where error.isTransient {
                logger.warning("cannot claim jobs, retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: configuration.idlePoll)
                continue
            }
            if jobs.isEmpty {
                try? await Task.sleep(for: configuration.idlePoll)
                continue
            }
            let (outcomes, report, waitForRelays) = await process(jobs, random: &random)
            try await recordDurably(outcomes)
            progress?(report)
            if let waitForRelays { try? await Task.sleep(for: waitForRelays) }
        }
    }

    /// Records outcomes, retrying while the store is unavailable: an outcome that is not
    /// recorded would make its job be sent again after its lease expires.
    private func recordDurably(_ outcomes: [EmailJobOutcome]) async throws {
        while true {
            do {
                let result = try await queue.record(outcomes, at: clock.now())
                if !result.stale.isEmpty {
                    logger.warning("outcomes refused: leases expired and were taken over", metadata: ["jobs": "\(result.stale.count)"])
                }
                return
            } catch let error as StoreError where error.isTransient {
                logger.warning("cannot record outcomes yet", metadata: ["error": "\(error)"])
                try await Task.sleep(for: configuration.idlePoll)
            }
        }
    }

    private func process(_ jobs: [EmailJob], random: inout SystemRandomNumberGenerator) async -> ([EmailJobOutcome], BatchReport, Duration?) {
        var outcomes: [EmailJobOutcome] = []
        var report = BatchReport()
        var waitForRelays: Duration?
        var composedByStream: [MailStream: [(EmailJob, ComposedMessage)]] = [:]
        let now = clock.now()

        for job in jobs {
            let token = job.lease?.token ?? ""
            do {
                let content = try await catalog.content(for: job.sendID)
                let message = try content.composer.compose(job, template: content.template)
                composedByStream[job.stream, default: []].append((job, message))
            } catch let error as CompositionError {
                // The message cannot be built: no relay will ever take it.
                outcomes.append(.init(jobID: job.id, leaseToken: token, result: .failed(relay: nil, failure: DeliveryFailure(text: error.description))))
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
                waitForRelays = until.map { max(.milliseconds(50), Duration.seconds(max(0, $0.timeIntervalSince(clock.now())))) } ?? configuration.idlePoll
                continue
            }
            let started = ContinuousClock.now
            let results = await lease.transport.deliver(pairs.map(\.1))
            await pool.complete(lease, outcomes: results)
            Timer(label: "carteiro_send_batch_duration_seconds", dimensions: [("relay", lease.relay)]).recordNanoseconds(
                (ContinuousClock.now - started).nanoseconds)
            for ((job, _), result) in zip(pairs, results) {
                let token = job.lease?.token ?? ""
                switch result {
                case .accepted:
                    outcomes.append(.init(jobID: job.id, leaseToken: token, result: .sent(relay: lease.relay)))
                    report.sent[lease.relay, default: 0] += 1
                    Counter(label: "carteiro_emails_total", dimensions: [("relay", lease.relay), ("outcome", "sent")]).increment()
                case .rejected(let failure) where failure.isTransient && !configuration.backoff.isExhausted(attempts: job.attempts):
                    let delay = configuration.backoff.delay(afterAttempt: job.attempts, retryAfter: failure.retryAfter, using: &random)
                    outcomes.append(
                        .init(jobID: job.id, leaseToken: token, result: .retry(at: now.addingTimeInterval(delay.timeInterval), relay: lease.relay, failure: failure.failure)))
                    report.retried += 1
                    Counter(label: "carteiro_emails_total", dimensions: [("relay", lease.relay), ("outcome", "retry")]).increment()
                case .rejected(let failure):
                    outcomes.append(.init(jobID: job.id, leaseToken: token, result: .failed(relay: lease.relay, failure: failure.failure)))
                    report.failed[failure.failure.replyCode.map(String.init) ?? "transport", default: 0] += 1
                    Counter(label: "carteiro_emails_total", dimensions: [("relay", lease.relay), ("outcome", "failed")]).increment()
                }
            }
        }
        return (outcomes, report, waitForRelays)
    }
}

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
