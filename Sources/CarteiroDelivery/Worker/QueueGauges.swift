public import CarteiroDomain
import Foundation
public import Logging
import Metrics

/// Sets the queue-depth and oldest-queued-age gauges per stream from the store, on an interval.
public struct QueueGauges: Sendable {
    private let queue: any EmailJobQueue
    private let clock: any WallClock
    private let logger: Logger

    public init(queue: any EmailJobQueue, clock: any WallClock, logger: Logger) {
        self.queue = queue
        self.clock = clock
        self.logger = logger
    }

    public func update() async {
        do {
            let stats = try await queue.streamStats()
            let now = clock.now()
            for (stream, stat) in stats {
                Gauge(label: "carteiro_queue_depth", dimensions: [("stream", stream.rawValue)]).record(stat.waiting)
                Gauge(label: "carteiro_queue_oldest_age_seconds", dimensions: [("stream", stream.rawValue)]).record(
                    stat.oldestQueuedAt.map { max(0, now.timeIntervalSince($0)) } ?? 0)
            }
        } catch {
            logger.debug("cannot read queue statistics", metadata: ["error": "\(error)"])
        }
    }

    public func run(every interval: Duration) async {
        while !Task.isCancelled {
            await update()
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
        }
    }
}
