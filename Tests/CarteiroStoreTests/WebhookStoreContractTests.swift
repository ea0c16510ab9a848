import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

/// What the webhook deliverer and the webhook API rely on the store for: webhooks kept as
/// registered (secret included), one cursor per webhook with one lease holder at a time, one
/// delivery record per webhook and event, and the delivery log by webhook and by status.
@Suite("Webhook storage: webhooks, cursors, the delivery log — both backends")
struct WebhookStoreContractTests {
    @Test(arguments: Backend.allCases)
    func aWebhookIsStoredWithItsKindsAndSecret(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let webhook = try Webhook(
                url: "https://hooks.example.com/carteiro?x=1", eventKinds: ["contact.confirmed", "email.bounced"], secret: nil,
                createdAt: fixture.clock.now(), startsAfter: 0)
            _ = try await fixture.store.webhooks.insert(webhook)
            let stored = try #require(try await fixture.store.webhooks.get(webhook.id))
            #expect(stored.url.absoluteString == "https://hooks.example.com/carteiro?x=1")
            #expect(stored.eventKinds == ["contact.confirmed", "email.bounced"])
            #expect(stored.secret == webhook.secret && stored.secret.hasPrefix("whsec_") && stored.secret.count == 70)
            #expect(stored.wants(.contactConfirmed) && !stored.wants(.emailSent))
            #expect(try await fixture.store.webhooks.list(page: .first).items.map(\.id) == [webhook.id])
            #expect(try await fixture.store.webhooks.delete(webhook.id))
            #expect(try await fixture.store.webhooks.get(webhook.id) == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func oneProcessHoldsAWebhookCursorLeaseAtATime(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let now = fixture.clock.now()
            let webhookID = WebhookID()
            let cursor = try await store.webhookCursors.insert(WebhookCursor(webhookID: webhookID, position: 7))
            await #expect(throws: StoreError.self, "one cursor per webhook") {
                _ = try await store.webhookCursors.insert(WebhookCursor(webhookID: webhookID, position: 0))
            }
            var first = cursor, second = cursor
            let tookFirst = first.lease(to: "worker-a", at: now, for: 60)
            let tookSecond = second.lease(to: "worker-b", at: now, for: 60)
            #expect(tookFirst && tookSecond, "each sees it free")
            _ = try await store.webhookCursors.update(first)
            do {
                _ = try await store.webhookCursors.update(second)
                Issue.record("both processes took the lease")
            } catch let error as StoreError {
                #expect(error.kind == .conflict)
            }
            var reread = try #require(try await store.webhookCursors.findUnique("webhook", webhookID.rawValue))
            #expect(reread.leaseHolder == "worker-a" && reread.position == 7)
            let whileRunning = reread.lease(to: "worker-b", at: now.addingTimeInterval(30), for: 60)
            #expect(!whileRunning, "still running")
            let afterExpiry = reread.lease(to: "worker-b", at: now.addingTimeInterval(61), for: 60)
            #expect(afterExpiry, "expired: taken over")
            reread.advance(to: 12)
            reread.advance(to: 9)
            let saved = try await store.webhookCursors.update(reread)
            #expect(saved.position == 12, "a cursor never goes back")
            #expect(try await store.webhookCursors.findUnique("webhook", webhookID.rawValue)?.leaseHolder == "worker-b")
        }
    }

    @Test(arguments: Backend.allCases)
    func theDeliveryLogHasOneRecordPerWebhookAndEventFoundByStatus(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let now = fixture.clock.now()
            let webhookID = WebhookID(), otherWebhookID = WebhookID()
            let events = try await store.events.append(
                try (0..<3).map { index in
                    DomainEvent(
                        occurredAt: now,
                        payload: .contactUnsubscribed(.init(contactID: ContactID(), email: try EmailAddress("c\(index)@example.com"), reason: "test"))
                    )
                })
            var delivered = WebhookDelivery(webhookID: webhookID, event: events[0], firstAttemptAt: now)
            delivered.recordSuccess(statusCode: 204, at: now)
            delivered = try await store.webhookDeliveries.insert(delivered)
            var parked = WebhookDelivery(webhookID: webhookID, event: events[1], firstAttemptAt: now)
            parked.recordFailure(statusCode: 503, error: "HTTP 503", at: now.addingTimeInterval(100), retryWindow: 60, backoff: { _ in 1 })
            parked = try await store.webhookDeliveries.insert(parked)
            #expect(parked.status == .parked)
            var retrying = WebhookDelivery(webhookID: otherWebhookID, event: events[1], firstAttemptAt: now)
            retrying.recordFailure(statusCode: nil, error: "connection refused", at: now, retryWindow: 60, backoff: { _ in 1 })
            _ = try await store.webhookDeliveries.insert(retrying)
            #expect(retrying.status == .retrying && retrying.nextAttemptAt == now.addingTimeInterval(1))

            await #expect(throws: StoreError.self, "one record per webhook and event") {
                _ = try await store.webhookDeliveries.insert(WebhookDelivery(webhookID: webhookID, event: events[0], firstAttemptAt: now))
            }
            #expect(
                try await store.webhookDeliveries.findUnique("key", WebhookDelivery.key(webhookID: webhookID, eventID: events[1].id))?.id == parked.id
            )
            let log = try await store.webhookDeliveries.find("webhook", equals: webhookID.rawValue, page: .first)
            #expect(
                Set(log.items.map(\.eventPosition)) == Set([events[0].position, events[1].position].compactMap { $0 }), "not the other webhook's")
            let parkedOnes = try await store.webhookDeliveries.find("webhook_status", equals: "\(webhookID.rawValue)/parked", page: .first)
            #expect(parkedOnes.items.map(\.id) == [parked.id])

            try parked.replay(at: now.addingTimeInterval(200))
            parked = try await store.webhookDeliveries.update(parked)
            #expect(try await store.webhookDeliveries.find("webhook_status", equals: "\(webhookID.rawValue)/parked", page: .first).items.isEmpty)
            let queued = try await store.webhookDeliveries.find("webhook_status", equals: "\(webhookID.rawValue)/queued", page: .first).items
            #expect(queued.map(\.id) == [parked.id] && queued.first?.replays == 1 && queued.first?.lastError == "HTTP 503")
        }
    }
}
