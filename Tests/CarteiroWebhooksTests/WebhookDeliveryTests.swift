import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import CarteiroWebhooks
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The deliverer against a real receiver (`scripts/webhook_receiver.py`, which checks each
/// signature and the 5-minute replay window itself), on both stores. Retry windows and backoff
/// are shortened to fractions of a second; the rules are the same as with 24 hours.
@Suite("Webhook delivery to a Python receiver — both backends", .serialized)
struct WebhookDeliveryTests {
    static let fast = WebhookConfiguration(
        retryWindow: 60, backoff: WebhookBackoff(base: 0.1, cap: 0.4), requestTimeout: 2, leaseDuration: 10, pollInterval: .milliseconds(100),
        refreshInterval: .milliseconds(100))

    @Test(arguments: Backend.allCases)
    func eachWantedEventArrivesOnceWithAValidSignature(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let receiver = try WebhookReceiver(secret: Webhook.makeSecret())
            try await receiver.start()
            let webhook = try await register(receiver, kinds: ["contact.unsubscribed", "contact.confirmed"], in: fixture.store)
            try await running(fixture.store, Self.fast) {
                let appended = try await fixture.store.events.append([
                    unsubscribed(1), emailSent(), confirmed(2), emailSent(), unsubscribed(3),
                ])
                let wanted = appended.filter { $0.kind != .emailSent }
                try await receiver.waitForAccepted { $0.count >= wanted.count }
                // Long enough for a duplicate to show up if there were one.
                try await Task.sleep(for: .milliseconds(500))
                let requests = receiver.requests()
                let refused = requests.filter { !$0.accepted }.map(\.reason)
                #expect(refused.isEmpty, "every signature valid: \(refused)")
                #expect(requests.map(\.id) == wanted.map(\.id.rawValue), "each wanted event once, in order, and nothing else")
                #expect(requests.allSatisfy { $0.attempt == "1" && $0.webhookId == webhook.id.rawValue })
                #expect(requests.map(\.kind) == ["contact.unsubscribed", "contact.confirmed", "contact.unsubscribed"])
                let log = try await fixture.store.webhookDeliveries.find("webhook", equals: webhook.id.rawValue, page: .first).items
                #expect(log.map(\.status) == [.delivered, .delivered, .delivered])
                #expect(log.map(\.lastStatusCode) == [204, 204, 204])
                let cursor = try await fixture.store.webhookCursors.findUnique("webhook", webhook.id.rawValue)
                #expect(cursor?.position == appended.last?.position, "past the unwanted events too")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func eventsProducedWhileTheReceiverWasDownAllArriveInOrder(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let receiver = try WebhookReceiver(secret: Webhook.makeSecret())
            try await receiver.start()
            let webhook = try await register(receiver, kinds: ["*"], in: fixture.store)
            // A refused connection fails when the request timeout runs out: a short one, for several
            // attempts while the receiver is down.
            var configuration = Self.fast
            configuration.requestTimeout = 1
            try await running(fixture.store, configuration) {
                let first = try await fixture.store.events.append([unsubscribed(0)])
                try await receiver.waitForAccepted { $0.count == 1 }
                receiver.stop()
                var produced = first
                for index in 1...6 {
                    produced += try await fixture.store.events.append([index.isMultiple(of: 2) ? confirmed(index) : unsubscribed(index)])
                    try await Task.sleep(for: .milliseconds(150))
                }
                // Down for a while: several attempts of the head event fail (connection refused
                // until the request timeout).
                try await Task.sleep(for: .seconds(2.5))
                let head = try await fixture.store.webhookDeliveries.findUnique(
                    "key", WebhookDelivery.key(webhookID: webhook.id, eventID: produced[1].id))
                #expect(head?.status == .retrying && (head?.attempts ?? 0) >= 2, "retried while down: \(String(describing: head))")
                try await receiver.start()
                let accepted = try await receiver.waitForAccepted { $0.count >= produced.count }
                try await Task.sleep(for: .milliseconds(300))
                #expect(accepted.map(\.id) == produced.map(\.id.rawValue), "every event, once, in order")
                let refused = receiver.requests().filter { !$0.accepted }
                #expect(refused.isEmpty, "every request accepted: \(refused)")
                let log = try await fixture.store.webhookDeliveries.find("webhook", equals: webhook.id.rawValue, page: .first).items
                    .sorted { $0.eventPosition < $1.eventPosition }
                #expect(log.count == produced.count && log.allSatisfy { $0.status == .delivered })
                #expect(log[1].attempts >= 3, "the head event was retried until the receiver came back")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aDeliveryFailingPastTheRetryWindowIsParkedThenReplayed(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let receiver = try WebhookReceiver(secret: Webhook.makeSecret())
            try await receiver.start(status: 503)
            let webhook = try await register(receiver, kinds: ["*"], in: fixture.store)
            var configuration = Self.fast
            configuration.retryWindow = 0.6
            try await running(fixture.store, configuration) {
                let refused = try await fixture.store.events.append([unsubscribed(1)])[0]
                let parked = try await waitForDelivery(of: refused, to: webhook, in: fixture.store) { $0.status == .parked }
                #expect(parked.attempts >= 3 && parked.lastStatusCode == 503 && parked.lastError?.contains("HTTP 503") == true)

                try await receiver.start()
                let next = try await fixture.store.events.append([confirmed(2)])[0]
                try await receiver.waitForAccepted { $0.count == 1 }
                #expect(receiver.requests().filter(\.accepted).map(\.id) == [next.id.rawValue], "the webhook moved on past the parked event")

                var replay = try #require(try await fixture.store.webhookDeliveries.get(parked.id))
                try replay.replay(at: Date())
                _ = try await fixture.store.webhookDeliveries.update(replay)
                try await receiver.waitForAccepted { $0.count == 2 }
                #expect(receiver.requests().filter(\.accepted).map(\.id) == [next.id.rawValue, refused.id.rawValue])
                let done = try await waitForDelivery(of: refused, to: webhook, in: fixture.store) { $0.status == .delivered }
                #expect(done.replays == 1)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aSlowOrDeadReceiverDoesNotHoldUpAnotherWebhook(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let slow = try WebhookReceiver(secret: Webhook.makeSecret())
            try await slow.start(delay: 30)
            let dead = try WebhookReceiver(secret: Webhook.makeSecret())
            let live = try WebhookReceiver(secret: Webhook.makeSecret())
            try await live.start()
            _ = try await register(slow, kinds: ["*"], in: fixture.store)
            _ = try await register(dead, kinds: ["*"], in: fixture.store)
            _ = try await register(live, kinds: ["*"], in: fixture.store)
            var configuration = Self.fast
            configuration.requestTimeout = 20
            try await running(fixture.store, configuration) {
                var produced: [DomainEvent] = []
                for index in 0..<3 {
                    produced += try await fixture.store.events.append([unsubscribed(index)])
                    try await Task.sleep(for: .milliseconds(100))
                }
                let started = ContinuousClock.now
                let accepted = try await live.waitForAccepted(timeout: .seconds(5)) { $0.count >= produced.count }
                #expect(accepted.map(\.id) == produced.map(\.id.rawValue))
                #expect(ContinuousClock.now - started < .seconds(5), "promptly, while the slow one's first request still hangs")
                #expect(slow.requests().count <= 1, "the slow receiver is still on its first request")
            }
            slow.stop()
        }
    }

    /// Two deliverers on one store (two worker processes): the cursor's lease keeps the webhook
    /// with one of them at a time, so no event goes out twice.
    @Test(arguments: Backend.allCases)
    func twoDeliverersOnOneStoreSendEachEventOnce(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let receiver = try WebhookReceiver(secret: Webhook.makeSecret())
            try await receiver.start()
            _ = try await register(receiver, kinds: ["*"], in: fixture.store)
            try await running(fixture.store, Self.fast, copies: 2) {
                var produced: [DomainEvent] = []
                for index in 0..<8 {
                    produced += try await fixture.store.events.append([unsubscribed(index)])
                    if index.isMultiple(of: 3) { try await Task.sleep(for: .milliseconds(120)) }
                }
                try await receiver.waitForAccepted { $0.count >= produced.count }
                try await Task.sleep(for: .milliseconds(600))
                #expect(receiver.requests().map(\.id) == produced.map(\.id.rawValue), "each once, in order")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aDeletedWebhookGetsNothingMoreAndItsCursorGoes(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let receiver = try WebhookReceiver(secret: Webhook.makeSecret())
            try await receiver.start()
            let webhook = try await register(receiver, kinds: ["*"], in: fixture.store)
            try await running(fixture.store, Self.fast) {
                _ = try await fixture.store.events.append([unsubscribed(1)])
                try await receiver.waitForAccepted { $0.count == 1 }
                #expect(try await fixture.store.webhookCursors.findUnique("webhook", webhook.id.rawValue) != nil)
                #expect(try await fixture.store.webhooks.delete(webhook.id))
                try await Task.sleep(for: .milliseconds(500))
                _ = try await fixture.store.events.append([unsubscribed(2)])
                try await Task.sleep(for: .milliseconds(500))
                #expect(receiver.requests().count == 1, "nothing after the deletion")
                #expect(try await fixture.store.webhookCursors.findUnique("webhook", webhook.id.rawValue) == nil)
            }
        }
    }

    // MARK: Helpers

    private func register(_ receiver: WebhookReceiver, kinds: [String], in store: any Store) async throws -> Webhook {
        try await store.webhooks.insert(
            try Webhook(
                url: receiver.url, eventKinds: kinds, secret: receiver.secret, createdAt: Date(), startsAfter: try await store.events.lastPosition()))
    }

    /// Runs the webhook service (`copies` of it, as so many worker processes would) in a
    /// ServiceGroup around `body`, then shuts it down gracefully.
    private func running(
        _ store: any Store, _ configuration: WebhookConfiguration, copies: Int = 1, _ body: () async throws -> Void
    ) async throws {
        let logger = Logger(label: "test.webhooks")
        let services = (0..<copies).map { _ in WebhookDeliveryService(store: store, configuration: configuration, logger: logger) }
        let group = ServiceGroup(services: services, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body()
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    private func waitForDelivery(
        of event: DomainEvent, to webhook: Webhook, in store: any Store, timeout: Duration = .seconds(15),
        until predicate: (WebhookDelivery) -> Bool
    ) async throws -> WebhookDelivery {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let delivery = try await store.webhookDeliveries.findUnique("key", WebhookDelivery.key(webhookID: webhook.id, eventID: event.id)),
                predicate(delivery)
            {
                return delivery
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let last = try await store.webhookDeliveries.findUnique("key", WebhookDelivery.key(webhookID: webhook.id, eventID: event.id))
        throw WaitError(description: "the delivery did not reach the expected state: \(String(describing: last))")
    }

    private struct WaitError: Error, CustomStringConvertible { let description: String }
}

private func unsubscribed(_ index: Int) throws -> DomainEvent {
    DomainEvent(
        occurredAt: Date(),
        payload: .contactUnsubscribed(.init(contactID: ContactID(), email: try EmailAddress("u\(index)@example.com"), reason: "link")))
}

private func confirmed(_ index: Int) throws -> DomainEvent {
    DomainEvent(
        occurredAt: Date(),
        payload: .contactConfirmed(.init(contactID: ContactID(), email: try EmailAddress("c\(index)@example.com"), evidence: "link")))
}

private func emailSent() throws -> DomainEvent {
    DomainEvent(
        occurredAt: Date(),
        payload: .emailSent(
            .init(jobID: EmailJobID(), sendID: SendID(), campaignID: nil, contactID: nil, recipient: try EmailAddress("s@example.com"), relay: "r")))
}
