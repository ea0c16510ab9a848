public import CarteiroDomain
import CarteiroEvents
import Foundation
public import Logging
public import ServiceLifecycle

/// The webhook deliverer of the worker role: one loop per webhook, each on its own, so that a
/// slow or dead receiver holds up nobody but itself. The list of webhooks is read again every
/// `refreshInterval`: a new webhook's loop starts, a deleted one's stops.
///
/// A loop wakes when the log signals an append, when its failed delivery is due again, or every
/// `pollInterval`; several processes may run it, the cursor leases keep each webhook with one.
public struct WebhookDeliveryService: Service {
    private let store: any Store
    private let configuration: WebhookConfiguration
    private let clock: any WallClock
    private let logger: Logger

    public init(store: any Store, configuration: WebhookConfiguration, clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        let poster = WebhookPoster(requestTimeout: configuration.requestTimeout)
        let deliverer = WebhookDeliverer(store: store, poster: poster, configuration: configuration, clock: clock, logger: logger)
        let loops = WebhookLoops()
        let signals = store.events.appendSignals()
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in signals { await loops.ringAll() }
                }
                while !Task.isCancelled {
                    if let webhooks = await self.listWebhooks() {
                        for webhook in webhooks {
                            guard let doorbell = await loops.start(webhook) else { continue }
                            group.addTask {
                                await self.deliver(webhook, with: deliverer, doorbell: doorbell, loops: loops)
                            }
                        }
                        await loops.stop(except: Set(webhooks.map(\.id)))
                    }
                    try? await Task.sleep(for: configuration.refreshInterval)
                }
                await loops.stopAll()
                group.cancelAll()
            }
        }
        await poster.shutdown()
    }

    /// Every webhook, or nil when the store did not answer (the running loops go on).
    private func listWebhooks() async -> [Webhook]? {
        var webhooks: [Webhook] = []
        var cursor: String?
        do {
            repeat {
                let page = try await store.webhooks.list(page: try PageRequest(limit: 500, cursor: cursor))
                webhooks += page.items
                cursor = page.nextCursor
            } while cursor != nil
            return webhooks
        } catch {
            logger.error("cannot read the webhooks", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// One webhook's loop, until it is deleted or the service stops.
    private func deliver(_ webhook: Webhook, with deliverer: WebhookDeliverer, doorbell: Doorbell, loops: WebhookLoops) async {
        var failures = FailureBackoff(base: .milliseconds(200), cap: .seconds(30))
        while await loops.isRunning(webhook.id), !Task.isCancelled {
            var wait = configuration.pollInterval
            do {
                switch try await deliverer.deliverDue(webhook) {
                case .notLeased:
                    // Another process delivers it; look again in a while, in case that one stops.
                    wait = max(configuration.pollInterval, .seconds(configuration.leaseDuration / 4))
                case .idle(let nextAttempt?):
                    let until = nextAttempt.timeIntervalSince(clock.now())
                    wait = min(configuration.pollInterval, .milliseconds(Int64(max(0, until) * 1_000)))
                case .idle(nil):
                    break
                }
                failures.succeeded()
            } catch {
                if Task.isCancelled { break }
                wait = failures.failed()
                logger.error("webhook delivery stopped on a store error; trying again", metadata: ["webhook": "\(webhook.id)", "error": "\(error)"])
            }
            await doorbell.wait(upTo: wait)
        }
        await deliverer.finish(webhook.id)
    }
}

/// The running loops, by webhook, with their wake-ups.
actor WebhookLoops {
    private var running: [WebhookID: Doorbell] = [:]

    /// Registers a loop for `webhook` and returns its wake-up; nil when one runs already.
    func start(_ webhook: Webhook) -> Doorbell? {
        guard running[webhook.id] == nil else { return nil }
        let doorbell = Doorbell()
        running[webhook.id] = doorbell
        return doorbell
    }

    func isRunning(_ id: WebhookID) -> Bool { running[id] != nil }

    /// Stops the loops of webhooks that are gone.
    func stop(except ids: Set<WebhookID>) {
        for (id, doorbell) in running where !ids.contains(id) {
            running[id] = nil
            doorbell.ring()
        }
    }

    func stopAll() { stop(except: []) }

    func ringAll() {
        for doorbell in running.values { doorbell.ring() }
    }
}
