import CarteiroTesting
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Outgoing webhooks through a real `carteiro serve --roles api,worker`, on the embedded store
/// and on nx-27017: a webhook registered through the API receives each contact sign-up once,
/// signed (`scripts/webhook_receiver.py` checks), and, after its receiver was down for a while,
/// every event still arrives, in order.
@Suite("webhook story, live", .serialized, .timeLimit(.minutes(4)))
struct WebhookStoryTests {
    enum Backend: String, CaseIterable, Sendable { case sqlite, mongodb }

    @Test(arguments: Backend.allCases)
    func aRegisteredWebhookGetsEverySignUpOnceInOrderAcrossAReceiverOutage(_ backend: Backend) async throws {
        let live = try await LiveStore.start(mongodb: backend == .mongodb)
        defer { live.stop() }
        let (store, environment) = (live.arguments, live.environment)
        let token = try await live.token(name: "story", scope: "admin")
        let port = try freeLoopbackPort()
        let server = try CarteiroProcess(
            ["serve", "--roles", "api,worker", "--port", "\(port)", "--webhook-timeout", "2s", "--webhook-backoff-cap", "2s"] + store,
            environment: environment)
        defer { server.signal(SIGKILL) }
        let api = LiveAPI(port: port, token: token)
        try await api.waitUntilHealthy(server)

        let receiver = try WebhookReceiver(secret: "whsec_story_0123456789abcdef")
        try await receiver.start()
        let webhook = try await api.send(
            "POST", "webhooks", json: ["url": receiver.url, "eventKinds": ["contact.signed_up"], "secret": receiver.secret])
        #expect(webhook.status == 201, "\(webhook.body)")
        let webhookID = try #require(webhook.json["id"] as? String)

        var contactIDs: [String] = []
        for index in 0..<3 {
            let contact = try await api.send("POST", "contacts", json: ["email": "antes\(index)@exemplo.com.br"])
            #expect(contact.status == 201, "\(contact.body)")
            contactIDs.append(try #require(contact.json["id"] as? String))
        }
        let first = try await receiver.waitForAccepted { $0.count >= 3 }
        #expect(first.map(\.kind) == ["contact.signed_up", "contact.signed_up", "contact.signed_up"])

        receiver.stop()
        for index in 0..<3 {
            let contact = try await api.send("POST", "contacts", json: ["email": "durante\(index)@exemplo.com.br"])
            contactIDs.append(try #require(contact.json["id"] as? String))
        }
        try await Task.sleep(for: .seconds(4))
        let retrying = try await api.send("GET", "webhooks/\(webhookID)/deliveries?status=retrying")
        #expect((retrying.json["items"] as? [[String: Any]])?.count == 1, "the head event waits, retried: \(retrying.body)")
        try await receiver.start()
        let all = try await receiver.waitForAccepted(timeout: .seconds(30)) { $0.count >= contactIDs.count }
        try await Task.sleep(for: .milliseconds(500))
        #expect(all.map(\.subject) == contactIDs, "each sign-up once, in order")
        #expect(all.allSatisfy { $0.webhookId == webhookID })
        let refused = receiver.requests().filter { !$0.accepted }
        #expect(refused.isEmpty, "every signature valid, nothing twice: \(refused)")
        let log = try await api.send("GET", "webhooks/\(webhookID)/deliveries?status=delivered")
        #expect((log.json["items"] as? [[String: Any]])?.count == contactIDs.count, "\(log.body)")
    }
}
