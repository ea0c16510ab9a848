public import CarteiroDomain
import CarteiroMail
import Foundation
public import Logging

/// Heartbeats shared through the store: a relay that any worker on the store probed within the
/// interval is not probed again, its verdict is adopted; otherwise this worker probes it and
/// stores the result. So the fleet agrees on each relay's health and probes it about once per
/// interval. While the store cannot be read, the worker probes every relay itself; while it
/// cannot be written, the verdicts stay local. Either is logged once per `failureLogInterval`
/// with a count, not once per relay per beat.
public struct SharedRelayHeartbeat: Sendable {
    private let pool: RelayPool
    private let board: any RelayStateBoard
    private let reporter: RelayStateReporter
    private let workerID: String
    private let interval: Duration
    private let clock: any WallClock
    private let logger: Logger
    private let storeFailures: LogThrottle

    public init(
        pool: RelayPool, board: any RelayStateBoard, reporter: RelayStateReporter, workerID: String, interval: Duration, clock: any WallClock,
        failureLogInterval: Duration = .seconds(60), logger: Logger
    ) {
        storeFailures = LogThrottle(interval: failureLogInterval, clock: clock)
        self.pool = pool
        self.board = board
        self.reporter = reporter
        self.workerID = workerID
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    /// Beats every interval until the calling task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            await beat()
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
        }
    }

    public func beat() async {
        var latest: [String: RelayProbe] = [:]
        do {
            for state in try await board.relayStates() {
                if let probe = state.lastProbe { latest[state.relay] = probe }
            }
        } catch {
            logStoreFailure("cannot read shared relay health; probing locally", error)
        }
        let now = clock.now()
        // A probe counts as fresh for most of an interval, so that the workers' beats, which are
        // not aligned, take turns rather than each probing once per interval.
        let freshness = interval.timeInterval * 0.9
        var toProbe: [String] = []
        for relay in await pool.snapshot() {
            if let probe = latest[relay.name], now.timeIntervalSince(probe.at) < freshness {
                await apply(relay: relay.name, failure: probe.failure)
            } else {
                toProbe.append(relay.name)
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for name in toProbe {
                group.addTask {
                    let failure = await pool.probe(relay: name)
                    await apply(relay: name, failure: failure?.failure)
                    do {
                        try await board.recordProbe(RelayProbe(relay: name, worker: workerID, at: clock.now(), failure: failure?.failure))
                    } catch {
                        logStoreFailure("cannot share a relay heartbeat", error, relay: name)
                    }
                }
            }
        }
    }

    private func logStoreFailure(_ message: Logger.Message, _ error: any Error, relay: String? = nil) {
        let occurrence = storeFailures.record(message.description)
        guard occurrence.shouldLog else { return }
        var metadata: Logger.Metadata = ["error": "\(error)", "unlogged_since_last": "\(occurrence.suppressed)"]
        if let relay { metadata["relay"] = "\(relay)" }
        logger.warning(message, metadata: metadata)
    }

    private func apply(relay: String, failure: DeliveryFailure?) async {
        let changed = await pool.markHeartbeat(relay: relay, failure: failure.map { TransportFailure(failure: $0, isTransient: true) })
        reporter.heartbeat(relay: relay, healthy: failure == nil)
        if changed { reporter.healthChanged(relay: relay, healthy: failure == nil, failure: failure) }
    }
}
