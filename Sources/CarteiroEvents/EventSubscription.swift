public import CarteiroDomain
public import Logging
import Metrics
public import ServiceLifecycle
import Synchronization

/// Delivers the event log to one subscriber, in log order, at least once, resuming from the
/// subscriber's durable checkpoint. A service: run it in the process's ServiceGroup.
public struct EventSubscription: Service {
    public struct Configuration: Sendable {
        /// Events read and checkpointed per round.
        public var batchSize: Int
        /// How often the log is read when no append signal arrives (appends by other processes
        /// on a backend without a change feed).
        public var pollInterval: Duration
        /// Deliveries of one event before it is parked.
        public var maxAttempts: Int
        /// Wait before the second delivery; doubled for each further one.
        public var retryDelay: Duration

        public init(batchSize: Int = 500, pollInterval: Duration = .milliseconds(250), maxAttempts: Int = 3, retryDelay: Duration = .milliseconds(50)) {
            self.batchSize = batchSize
            self.pollInterval = pollInterval
            self.maxAttempts = maxAttempts
            self.retryDelay = retryDelay
        }
    }

    private let subscriber: any EventSubscriber
    private let log: any EventLog
    private let clock: any WallClock
    private let configuration: Configuration
    private let logger: Logger
    private let delivered: Counter
    private let parked: Counter

    public init(
        subscriber: any EventSubscriber, log: any EventLog, clock: any WallClock = SystemWallClock(), configuration: Configuration = .init(),
        logger: Logger
    ) {
        self.subscriber = subscriber
        self.log = log
        self.clock = clock
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "subscriber"] = .string(subscriber.name)
        self.logger = logger
        self.delivered = Counter(label: "carteiro_events_delivered_total", dimensions: [("subscriber", subscriber.name)])
        self.parked = Counter(label: "carteiro_events_parked_total", dimensions: [("subscriber", subscriber.name)])
    }

    public func run() async throws {
        let doorbell = Doorbell()
        let signals = log.appendSignals()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in signals { doorbell.ring() }
            }
            group.addTask {
                // Graceful shutdown stops the loop between events (no handler is interrupted) and
                // the checkpoint of what was handled is still saved.
                let stopping = Atomic<Bool>(false)
                try await withGracefulShutdownHandler {
                    try await deliverUntilStopped(doorbell: doorbell, stopping: stopping)
                } onGracefulShutdown: {
                    stopping.store(true, ordering: .relaxed)
                    doorbell.ring()
                }
            }
            // Either child ending (shutdown, or a failure to read the log) ends the subscription.
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func deliverUntilStopped(doorbell: Doorbell, stopping: borrowing Atomic<Bool>) async throws {
        var position = try await log.checkpoint(of: subscriber.name)
        logger.debug("subscription starts", metadata: ["after": "\(position)"])
        func shouldStop() -> Bool { Task.isCancelled || stopping.load(ordering: .relaxed) }
        while !shouldStop() {
            let events: [DomainEvent]
            do {
                events = try await log.read(after: position, limit: configuration.batchSize)
            } catch let error as StoreError where error.isTransient {
                logger.warning("event log unavailable, retrying", metadata: ["error": "\(error)"])
                await doorbell.wait(upTo: configuration.pollInterval)
                continue
            }
            guard let last = events.last?.position else {
                await doorbell.wait(upTo: configuration.pollInterval)
                continue
            }
            for event in events {
                // Stop between events, not inside a handler: what was handled gets checkpointed below.
                if shouldStop() { break }
                if let kinds = subscriber.kinds, !kinds.contains(event.kind) {
                    position = event.position ?? position
                    continue
                }
                guard await deliver(event) else { break }
                position = event.position ?? position
            }
            try await log.saveCheckpoint(position, of: subscriber.name)
            if position != last { break }
        }
    }

    /// Handles the event, or parks it after the last failed attempt: true either way. False
    /// when the task was cancelled first, so the event stays after the checkpoint.
    private func deliver(_ event: DomainEvent) async -> Bool {
        var delay = configuration.retryDelay
        for attempt in 1...max(1, configuration.maxAttempts) {
            do {
                try await subscriber.handle(event)
                delivered.increment()
                return true
            } catch {
                if Task.isCancelled { return false }
                if attempt == configuration.maxAttempts {
                    return await park(event, error: error)
                }
                logger.debug("handler failed, retrying", metadata: ["event": "\(event.id)", "attempt": "\(attempt)", "error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay *= 2
            }
        }
        return false
    }

    private func park(_ event: DomainEvent, error: any Error) async -> Bool {
        logger.error("event parked after failed deliveries", metadata: ["event": "\(event.id)", "kind": "\(event.kind.rawValue)", "error": "\(error)"])
        parked.increment()
        // Parking must not be lost either: keep trying while the store is down.
        while true {
            do {
                try await log.park(event, subscriber: subscriber.name, error: "\(error)", at: clock.now())
                return true
            } catch {
                logger.warning("cannot park event yet", metadata: ["error": "\(error)"])
                if Task.isCancelled { return false }
                try? await Task.sleep(for: configuration.pollInterval)
            }
        }
    }

    /// Delivers the subscriber's parked events again, oldest first. Each one handled is removed
    /// from the parked list; one that fails again stays parked with its new error.
    /// Returns how many were handled.
    public static func replayParked(for subscriber: any EventSubscriber, log: any EventLog, clock: any WallClock = SystemWallClock()) async throws -> Int {
        var handled = 0
        for parked in try await log.parked(subscriber: subscriber.name) {
            do {
                try await subscriber.handle(parked.event)
                _ = try await log.unpark(parked.event.id, subscriber: subscriber.name)
                handled += 1
            } catch {
                try await log.park(parked.event, subscriber: subscriber.name, error: "\(error)", at: clock.now())
            }
        }
        return handled
    }
}
