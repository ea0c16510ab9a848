import Logging

/// The queue of jobs for one relay and the lane threads that work it off: at most
/// `maxConnections` lanes, started as demand first needs them, each taking the next job when it
/// finishes one (so a busy batch costs one lock round per message and no thread wake-ups).
/// Lanes sleep on a condition variable when the queue is empty and exit on shutdown.
final class SMTPLanePool: @unchecked Sendable {
    // @unchecked: `state` is only read or written while holding `lock`.
    private let lock = ConditionLock()
    private var state = State()
    private let settings: SMTPLaneSettings
    private let maxLanes: Int
    private let logger: Logger

    private struct State {
        var queue: [SMTPJob] = []
        var queueHead = 0
        var probes: [SMTPJob] = []
        /// Batches submitted as urgent (transactional mail): taken after probes, before `queue`.
        var urgent: [SMTPJob] = []
        var urgentHead = 0
        var lanes = 0
        /// Lanes between taking a job and handing its result back.
        var busyLanes = 0
        var sleepingLanes = 0
        var shuttingDown = false
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []

        var pendingCount: Int { queue.count - queueHead + probes.count + urgent.count - urgentHead }

        mutating func popJob() -> SMTPJob? {
            if !probes.isEmpty { return probes.removeFirst() }
            if urgentHead < urgent.count {
                let job = urgent[urgentHead]
                urgentHead += 1
                if urgentHead == urgent.count {
                    urgent.removeAll(keepingCapacity: true)
                    urgentHead = 0
                }
                return job
            }
            guard queueHead < queue.count else { return nil }
            let job = queue[queueHead]
            queueHead += 1
            if queueHead == queue.count {
                queue.removeAll(keepingCapacity: true)
                queueHead = 0
            } else if queueHead >= 1024, queueHead * 2 >= queue.count {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
            return job
        }

        mutating func drain() -> [SMTPJob] {
            let jobs = probes + urgent[urgentHead...] + queue[queueHead...]
            probes.removeAll()
            urgent.removeAll()
            urgentHead = 0
            queue.removeAll()
            queueHead = 0
            return jobs
        }
    }

    init(configuration: SMTPRelayConfiguration, logger: Logger) {
        settings = SMTPLaneSettings(configuration)
        maxLanes = max(1, configuration.maxConnections)
        self.logger = logger
    }

    func submit(_ job: SMTPJob) {
        submit(count: 1) { state in
            if case .probe = job.work { state.probes.append(job) } else { state.queue.append(job) }
        } refused: {
            job.complete(SMTPResult(outcome: .rejected(.local("the SMTP client is shut down"))))
        }
    }

    func submit(_ jobs: [SMTPJob], urgent: Bool = false) {
        submit(count: jobs.count) { state in
            if urgent { state.urgent.append(contentsOf: jobs) } else { state.queue.append(contentsOf: jobs) }
        } refused: {
            for job in jobs { job.complete(SMTPResult(outcome: .rejected(.local("the SMTP client is shut down")))) }
        }
    }

    private func submit(count: Int, enqueue: (inout State) -> Void, refused: () -> Void) {
        enum Decision { case refuse, proceed(startLanes: Int) }
        let decision = lock.withLock { () -> Decision in
            guard !state.shuttingDown else { return .refuse }
            enqueue(&state)
            // Jobs no free lane will take get new lanes, up to the limit. A lane that has handed back
            // its last result counts as free even before it sleeps again, so sequential sends stay on
            // one connection.
            let uncovered = state.pendingCount - (state.lanes - state.busyLanes)
            let start = max(0, min(uncovered, maxLanes - state.lanes))
            state.lanes += start
            if state.sleepingLanes > 0 {
                if count == 1 { lock.signal() } else { lock.broadcast() }
            }
            return .proceed(startLanes: start)
        }
        switch decision {
        case .refuse:
            refused()
        case .proceed(let start):
            for _ in 0..<start { startLane() }
        }
    }

    /// Stops taking jobs, fails those not started, lets the running ones finish, and returns when
    /// every lane has closed its connection.
    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (drained, done) = lock.withLock { () -> ([SMTPJob], Bool) in
                state.shuttingDown = true
                lock.broadcast()
                if state.lanes == 0 { return (state.drain(), true) }
                state.shutdownWaiters.append(continuation)
                return (state.drain(), false)
            }
            for job in drained { job.complete(SMTPResult(outcome: .rejected(.local("the SMTP client shut down before sending")))) }
            if done { continuation.resume() }
        }
    }

    /// Shutdown without waiting, for a client released without `shutdown()`.
    func beginShutdown() {
        let drained = lock.withLock { () -> [SMTPJob] in
            state.shuttingDown = true
            lock.broadcast()
            return state.drain()
        }
        for job in drained { job.complete(SMTPResult(outcome: .rejected(.local("the SMTP client shut down before sending")))) }
    }

    // MARK: Lanes

    private func startLane() {
        let status = startThread { [self] in runLane() }
        if status != 0 {
            laneFailed(CurlError.threadStart(status))
        }
    }

    /// The body of a lane thread. The lane and its handles live and die on this thread, so the
    /// connection's QUIT happens here too.
    private func runLane() {
        do {
            let lane = try SMTPConnectionLane(settings: settings)
            var finished: (SMTPJob, SMTPResult)?
            while let job = nextJob(handingBack: &finished) {
                switch job.work {
                case .send(let envelope):
                    finished = (job, lane.send(envelope))
                case .probe:
                    finished = (job, SMTPResult(outcome: lane.probe().map { .rejected($0) } ?? .accepted(reply: nil)))
                }
            }
        } catch {
            laneFailed(error)
            return
        }
        laneExited()
    }

    /// Hands back the result of the lane's last job and returns its next one, sleeping while there
    /// is none; nil once the pool shuts down. While the queue is full this is one lock round per message.
    private func nextJob(handingBack finished: inout (SMTPJob, SMTPResult)?) -> SMTPJob? {
        let next = lock.withLock { () -> SMTPJob? in
            if finished != nil { state.busyLanes -= 1 }
            guard let job = state.popJob() else { return nil }
            state.busyLanes += 1
            return job
        }
        if let (job, result) = finished {
            finished = nil
            job.complete(result)
        }
        if let next { return next }
        return lock.withLock {
            while true {
                if let job = state.popJob() {
                    state.busyLanes += 1
                    return job
                }
                if state.shuttingDown { return nil }
                state.sleepingLanes += 1
                lock.wait()
                state.sleepingLanes -= 1
            }
        }
    }

    private func laneExited() {
        let waiters = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            state.lanes -= 1
            guard state.lanes == 0 else { return [] }
            defer { state.shutdownWaiters.removeAll() }
            return state.shutdownWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// A lane that could not start: when it was the only one, nobody would ever take the queued
    /// jobs, so they fail with the reason.
    private func laneFailed(_ error: CurlError) {
        logger.error("SMTP lane could not start", metadata: ["error": "\(error)"])
        let (orphans, waiters) = lock.withLock { () -> ([SMTPJob], [CheckedContinuation<Void, Never>]) in
            state.lanes -= 1
            guard state.lanes == 0 else { return ([], []) }
            defer { state.shutdownWaiters.removeAll() }
            return (state.drain(), state.shutdownWaiters)
        }
        for job in orphans { job.complete(SMTPResult(outcome: .rejected(.local(error.description)))) }
        for waiter in waiters { waiter.resume() }
    }
}
