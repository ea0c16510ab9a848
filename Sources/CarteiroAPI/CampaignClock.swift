public import CarteiroDomain
import CarteiroUseCases
import Foundation
public import Logging
public import ServiceLifecycle

/// Moves campaigns along without a request: every `interval` it starts the scheduled campaigns
/// whose time came, completes starts a crash interrupted, and marks campaigns `sent` once every
/// job is final. Every `api` process runs one; the store's optimistic concurrency lets one of
/// them act on each campaign. Store failures back off and are logged once per interval.
public struct CampaignClock: Service {
    let dispatcher: CampaignDispatcher
    let interval: Duration
    let logger: Logger

    public init(store: any Store, interval: Duration = .seconds(1), logger: Logger) {
        dispatcher = CampaignDispatcher(store: store)
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        // A turn in progress is cut short at shutdown; whatever it left half done, the next
        // process's clock completes.
        try? await cancelWhenGracefulShutdown { try await loop() }
    }

    private func loop() async throws {
        var backoff = FailureBackoff(base: interval, cap: .seconds(30))
        let throttle = LogThrottle(interval: .seconds(30))
        while !Task.isCancelled {
            var delay = interval
            do {
                try await dispatcher.advance(now: Date())
                backoff.succeeded()
            } catch {
                delay = backoff.failed()
                let occurrence = throttle.record("advance")
                if occurrence.shouldLog {
                    logger.warning(
                        "campaign clock: \(error)", metadata: ["retry_in": "\(delay)", "suppressed": "\(occurrence.suppressed)"])
                }
            }
            try await Task.sleep(for: delay)
        }
    }
}
