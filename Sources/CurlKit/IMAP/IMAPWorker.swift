/// The thread an `IMAPClient`'s commands run on, one after another, in the order they came: one
/// thread of its own (never Swift's cooperative pool, since curl_easy_perform blocks), started by
/// the first command, sleeping while there is none, ending on shutdown. The connection lives and
/// dies on it, so its LOGOUT happens there too.
final class IMAPWorker: @unchecked Sendable {
    // @unchecked: `state` is only read or written while holding `lock`.
    private let lock = ConditionLock()
    private var state = State()
    private let settings: IMAPSettings

    typealias Job = @Sendable (Result<IMAPConnection, IMAPError>) -> Void

    private struct State {
        var jobs: [Job] = []
        var threadRunning = false
        var shuttingDown = false
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    init(settings: IMAPSettings) {
        self.settings = settings
    }

    /// Queues the job; false when the worker is shut down (the job is not run).
    func submit(_ job: @escaping Job) -> Bool {
        enum Decision { case refuse, queued, startThread }
        let decision = lock.withLock { () -> Decision in
            guard !state.shuttingDown else { return .refuse }
            state.jobs.append(job)
            if state.threadRunning {
                lock.signal()
                return .queued
            }
            state.threadRunning = true
            return .startThread
        }
        switch decision {
        case .refuse:
            return false
        case .queued:
            return true
        case .startThread:
            let status = startThread { [self] in run() }
            if status != 0 { threadFailed(CurlError.threadStart(status)) }
            return true
        }
    }

    /// Refuses new jobs, lets the queued ones run, and returns when the connection is closed.
    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = lock.withLock { () -> Bool in
                state.shuttingDown = true
                lock.broadcast()
                guard state.threadRunning else { return true }
                state.shutdownWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Shutdown without waiting, for a client released without `shutdown()`.
    func beginShutdown() {
        lock.withLock {
            state.shuttingDown = true
            lock.broadcast()
        }
    }

    private func run() {
        // The connection (and with it curl's LOGOUT) ends in runJobs, before waiters are told.
        runJobs()
        let waiters = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            state.threadRunning = false
            defer { state.shutdownWaiters.removeAll() }
            return state.shutdownWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func runJobs() {
        let connection: Result<IMAPConnection, IMAPError>
        do {
            connection = .success(try IMAPConnection(settings: settings))
        } catch {
            connection = .failure(IMAPError(.local, error.description))
        }
        while let job = nextJob() {
            job(connection)
        }
    }

    /// The next job, sleeping while there is none; nil once shut down and drained.
    private func nextJob() -> Job? {
        lock.withLock {
            while true {
                if !state.jobs.isEmpty { return state.jobs.removeFirst() }
                if state.shuttingDown { return nil }
                lock.wait()
            }
        }
    }

    private func threadFailed(_ error: CurlError) {
        let (jobs, waiters) = lock.withLock { () -> ([Job], [CheckedContinuation<Void, Never>]) in
            state.threadRunning = false
            defer {
                state.jobs.removeAll()
                state.shutdownWaiters.removeAll()
            }
            return (state.jobs, state.shutdownWaiters)
        }
        for job in jobs { job(.failure(IMAPError(.local, error.description))) }
        for waiter in waiters { waiter.resume() }
    }
}
