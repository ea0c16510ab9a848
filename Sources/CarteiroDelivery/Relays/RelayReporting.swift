public import CarteiroDomain
public import Foundation
public import Logging
import Metrics

/// Publishes what a worker's relays go through: every breaker change is logged, counted, shown
/// as a gauge and written to the store's relay board for the API; heartbeat verdicts set the
/// health gauge and log when a relay leaves or rejoins the rotation.
///
/// `breakerChanged` is called from inside the pool actor, so it only queues the store write;
/// `run()` performs the writes in order until cancelled.
public final class RelayStateReporter: Sendable {
    private let board: any RelayStateBoard
    private let workerID: String
    private let logger: Logger
    private let stream: AsyncStream<RelayBreakerRecord>
    private let continuation: AsyncStream<RelayBreakerRecord>.Continuation

    public init(board: any RelayStateBoard, workerID: String, logger: Logger) {
        self.board = board
        self.workerID = workerID
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: RelayBreakerRecord.self, bufferingPolicy: .bufferingNewest(10_000))
    }

    public func breakerChanged(relay: String, transition: CircuitBreaker.Transition, at date: Date) {
        let record = RelayBreakerRecord(relay: relay, worker: workerID, state: transition.to.recordState, openUntil: transition.to.openUntil, at: date)
        logger.notice(
            "relay breaker \(transition.to)",
            metadata: ["relay": "\(relay)", "from": "\(transition.from)", "reason": "\(transition.reason)"])
        Counter(label: "carteiro_relay_breaker_transitions_total", dimensions: [("relay", relay), ("to", record.state.rawValue)]).increment()
        Gauge(label: "carteiro_relay_breaker_state", dimensions: [("relay", relay)]).record(record.state.gaugeValue)
        continuation.yield(record)
    }

    public func healthChanged(relay: String, healthy: Bool, failure: DeliveryFailure?) {
        if healthy {
            logger.notice("relay passed its heartbeat and is back in rotation", metadata: ["relay": "\(relay)"])
        } else {
            logger.warning("relay failed its heartbeat and left the rotation", metadata: ["relay": "\(relay)", "error": "\(failure?.description ?? "")"])
        }
    }

    public func heartbeat(relay: String, healthy: Bool) {
        Gauge(label: "carteiro_relay_healthy", dimensions: [("relay", relay)]).record(healthy ? 1 : 0)
    }

    /// Writes breaker records to the store until cancelled; a write that fails is retried a few
    /// times, then dropped with a warning (the state is also in logs and metrics).
    public func run() async {
        for await record in stream {
            for attempt in 1...3 {
                do {
                    try await board.recordBreaker(record)
                    break
                } catch {
                    if attempt == 3 { logger.warning("cannot store a relay breaker state", metadata: ["relay": "\(record.relay)", "error": "\(error)"]) }
                    try? await Task.sleep(for: .milliseconds(200 * attempt))
                }
            }
            if Task.isCancelled { return }
        }
    }

    public func finish() { continuation.finish() }
}

extension CircuitBreaker.State {
    var recordState: RelayBreakerRecord.State {
        switch self {
        case .closed: .closed
        case .open: .open
        case .halfOpen: .halfOpen
        }
    }

    var openUntil: Date? {
        if case .open(let until) = self { return until }
        return nil
    }
}

extension RelayBreakerRecord.State {
    /// 0 closed, 1 half-open, 2 open.
    var gaugeValue: Int {
        switch self {
        case .closed: 0
        case .halfOpen: 1
        case .open: 2
        }
    }
}
