import CarteiroAPI
import CarteiroDomain
import CarteiroStoreTesting
import CarteiroTesting
import CarteiroWebhooks
import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle
import Testing

/// `/api/v1/webhooks`: registering receivers (admin only), the delivery log, replaying parked
/// deliveries; and the whole story with the deliverer and a real receiver.
@Suite struct WebhookAPITests {
    @Test(arguments: Backend.allCases)
    func aWebhookIsRegisteredWithItsSecretShownOnceListedAndDeleted(_ backend: Backend) async throws {
        try await APITestClient.with(backend) { api in
            let created = try await api.request(
                .post, "/api/v1/webhooks", json: ["url": "https://hooks.example.com/in", "eventKinds": ["contact.confirmed", "email.bounced"]])
            #expect(created.status == .created, "\(created.body)")
            let id = try #require(created.json["id"] as? String)
            let secret = try #require(created.json["secret"] as? String)
            #expect(secret.hasPrefix("whsec_") && secret.count == 70)
            #expect(created.json["eventKinds"] as? [String] == ["contact.confirmed", "email.bounced"])

            let listed = try await api.request(.get, "/api/v1/webhooks")
            let items = try #require(listed.json["items"] as? [[String: Any]])
            #expect(items.map { $0["id"] as? String } == [id])
            #expect(items.first?["secret"] == nil, "the secret is shown once")
            let one = try await api.request(.get, "/api/v1/webhooks/\(id)")
            #expect(one.status == .ok && one.json["secret"] == nil && one.json["url"] as? String == "https://hooks.example.com/in")

            let chosen = try await api.request(
                .post, "/api/v1/webhooks", json: ["url": "http://127.0.0.1:9/x", "eventKinds": ["*"], "secret": "my-own-secret-0123456789"])
            #expect(chosen.json["secret"] as? String == "my-own-secret-0123456789")

            #expect(try await api.request(.delete, "/api/v1/webhooks/\(id)").status == .noContent)
            #expect(try await api.request(.get, "/api/v1/webhooks/\(id)").status == .notFound)
            #expect(try await api.request(.delete, "/api/v1/webhooks/\(id)").status == .notFound)
        }
    }

    @Test func badURLsUnknownKindsAndOtherScopesAreRefused() async throws {
        try await APITestClient.with { api in
            for url in ["ftp://hooks.example.com/in", "hooks.example.com/in", "https://user:pass@hooks.example.com/in"] {
                let answer = try await api.request(.post, "/api/v1/webhooks", json: ["url": url, "eventKinds": ["*"]])
                #expect(answer.status == .unprocessableContent, "\(url): \(answer.body)")
                #expect((answer.json["error"] as? [String: Any])?["field"] as? String == "url")
            }
            let unknownKind = try await api.request(.post, "/api/v1/webhooks", json: ["url": "https://h.example/in", "eventKinds": ["email.nope"]])
            #expect(unknownKind.status == .badRequest, "\(unknownKind.body)")
            let noKinds = try await api.request(.post, "/api/v1/webhooks", json: ["url": "https://h.example/in", "eventKinds": []])
            #expect(noKinds.status == .badRequest)
            for scope in [AccessToken.Scope.campaigns, .contacts, .reports] {
                let answer = try await api.request(.get, "/api/v1/webhooks", as: scope)
                #expect(answer.status == .forbidden && answer.errorCode == "forbidden")
            }
            #expect(try await api.request(.get, "/api/v1/webhooks/nope/deliveries").status == .notFound)
        }
    }

    @Test(arguments: Backend.allCases)
    func parkedDeliveriesAreListedByStatusAndOnlyThoseAreReplayable(_ backend: Backend) async throws {
        try await APITestClient.with(backend) { api in
            let store = api.fixture.store
            let webhook = try await store.webhooks.insert(
                try Webhook(url: "https://h.example/in", eventKinds: ["*"], secret: nil, createdAt: Date(), startsAfter: 0))
            let events = try await store.events.append(
                try (0..<2).map { index in
                    DomainEvent(
                        occurredAt: Date(),
                        payload: .contactUnsubscribed(.init(contactID: ContactID(), email: try EmailAddress("u\(index)@example.com"), reason: "x")))
                })
            var delivered = WebhookDelivery(webhookID: webhook.id, event: events[0], firstAttemptAt: Date())
            delivered.recordSuccess(statusCode: 200, at: Date())
            delivered = try await store.webhookDeliveries.insert(delivered)
            var parked = WebhookDelivery(webhookID: webhook.id, event: events[1], firstAttemptAt: Date(timeIntervalSinceNow: -90_000))
            parked.recordFailure(statusCode: 500, error: "HTTP 500", at: Date(), retryWindow: 86_400, backoff: { _ in 600 })
            parked = try await store.webhookDeliveries.insert(parked)

            let all = try await api.request(.get, "/api/v1/webhooks/\(webhook.id.rawValue)/deliveries")
            // Identifier order: creation order, to the millisecond (these two were made in the same one).
            #expect(Set((all.json["items"] as? [[String: Any]])?.compactMap { $0["status"] as? String } ?? []) == ["delivered", "parked"])
            let parkedOnes = try await api.request(.get, "/api/v1/webhooks/\(webhook.id.rawValue)/deliveries?status=parked")
            let items = try #require(parkedOnes.json["items"] as? [[String: Any]])
            #expect(items.count == 1 && items.first?["id"] as? String == parked.id.rawValue)
            #expect(items.first?["lastStatusCode"] as? Int == 500 && items.first?["lastError"] as? String == "HTTP 500")

            let base = "/api/v1/webhooks/\(webhook.id.rawValue)/deliveries"
            let replayed = try await api.request(.post, "\(base)/\(parked.id.rawValue)/replay")
            #expect(replayed.status == .accepted && replayed.json["status"] as? String == "queued", "\(replayed.body)")
            #expect(try await api.request(.post, "\(base)/\(parked.id.rawValue)/replay").status == .conflict, "queued already")
            #expect(try await api.request(.post, "\(base)/\(delivered.id.rawValue)/replay").status == .conflict, "delivered")
            #expect(try await api.request(.post, "\(base)/nope/replay").status == .notFound)
        }
    }

    /// The whole story: a receiver that stays down past the (shortened) retry window; the event is
    /// parked, listed through the API, and replayed through it once the receiver is back.
    @Test(arguments: Backend.allCases)
    func anEventParkedWhileTheReceiverWasDownIsListedAndReplayedThroughTheAPI(_ backend: Backend) async throws {
        try await APITestClient.with(backend) { api in
            let store = api.fixture.store
            let receiver = try WebhookReceiver(secret: Webhook.makeSecret())
            let created = try await api.request(
                .post, "/api/v1/webhooks", json: ["url": receiver.url, "eventKinds": ["contact.unsubscribed"], "secret": receiver.secret])
            let id = try #require(created.json["id"] as? String)
            let configuration = WebhookConfiguration(
                retryWindow: 3, backoff: WebhookBackoff(base: 0.1, cap: 0.2), requestTimeout: 1, leaseDuration: 10,
                pollInterval: .milliseconds(100), refreshInterval: .milliseconds(100))
            let logger = Logger(label: "test.webhooks")
            let group = ServiceGroup(services: [WebhookDeliveryService(store: store, configuration: configuration, logger: logger)], logger: logger)
            @Sendable func story() async throws {
                let event = try await store.events.append([
                    DomainEvent(
                        occurredAt: Date(),
                        payload: .contactUnsubscribed(.init(contactID: ContactID(), email: try EmailAddress("ana@example.com"), reason: "link")))
                ])[0]
                var parked: [[String: Any]] = []
                let deadline = ContinuousClock.now + .seconds(15)
                while parked.isEmpty, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    parked = try await api.request(.get, "/api/v1/webhooks/\(id)/deliveries?status=parked").json["items"] as? [[String: Any]] ?? []
                }
                let delivery = try #require(parked.first, "parked after the retry window")
                #expect(delivery["eventId"] as? String == event.id.rawValue && (delivery["attempts"] as? Int ?? 0) >= 2)
                #expect(delivery["lastError"] as? String != nil)

                try await receiver.start()
                let deliveryID = try #require(delivery["id"] as? String)
                #expect(try await api.request(.post, "/api/v1/webhooks/\(id)/deliveries/\(deliveryID)/replay").status == .accepted)
                let accepted = try await receiver.waitForAccepted { !$0.isEmpty }
                #expect(accepted.map(\.id) == [event.id.rawValue])
                var status = ""
                while status != "delivered", ContinuousClock.now < deadline + .seconds(10) {
                    status =
                        try await api.request(.get, "/api/v1/webhooks/\(id)/deliveries").json["items"]
                        .flatMap { ($0 as? [[String: Any]])?.first?["status"] as? String } ?? ""
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(status == "delivered")
            }

            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                do {
                    try await story()
                } catch {
                    await group.triggerGracefulShutdown()
                    throw error
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}
