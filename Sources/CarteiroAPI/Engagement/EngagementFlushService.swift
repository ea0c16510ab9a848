public import CarteiroUseCases
public import Logging
public import ServiceLifecycle

/// Writes the opens and clicks the tracking routes took, every `interval`, and what is left at
/// shutdown. A store that refuses a batch is logged (once per minute) and tried again.
public struct EngagementFlushService: Service {
    let recorder: EngagementRecorder
    let interval: Duration
    let logger: Logger

    public init(recorder: EngagementRecorder, interval: Duration = .milliseconds(100), logger: Logger) {
        self.recorder = recorder
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await flushEveryInterval() }
        // Shutting down: what the routes took still goes to the store.
        do {
            try await recorder.flush()
        } catch {
            let pending = recorder.pendingCount
            logger.error("opens and clicks lost at shutdown", metadata: ["error": "\(error)", "pending": "\(pending)"])
        }
    }

    private func flushEveryInterval() async {
        var lastLogged: ContinuousClock.Instant?
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            do {
                try await recorder.flush()
            } catch {
                let now = ContinuousClock.now
                guard lastLogged.map({ now - $0 > .seconds(60) }) ?? true else { continue }
                lastLogged = now
                let pending = recorder.pendingCount
                logger.warning("opens and clicks cannot be written yet; kept for the next try", metadata: ["error": "\(error)", "pending": "\(pending)"])
            }
        }
    }
}
