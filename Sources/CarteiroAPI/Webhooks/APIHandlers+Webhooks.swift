import CarteiroDomain
import Foundation
import OpenAPIRuntime

/// Outgoing webhooks (admin scope only): registering receivers, their delivery log, replaying
/// what was parked. The worker role delivers; these handlers only read and write the store.
extension APIHandlers {
    func listWebhooks(_ input: Operations.ListWebhooks.Input) async throws -> Operations.ListWebhooks.Output {
        let page = try await store.webhooks.list(page: try pageRequest(limit: input.query.limit, cursor: input.query.cursor))
        var items: [Components.Schemas.Webhook] = []
        for webhook in page.items { items.append(try await webhookBody(webhook, showingSecret: false)) }
        return .ok(.init(body: .json(.init(items: items, nextCursor: page.nextCursor))))
    }

    func createWebhook(_ input: Operations.CreateWebhook.Input) async throws -> Operations.CreateWebhook.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        // It receives what happens from now on: the events after the log's current end.
        let webhook = try Webhook(
            url: body.url, eventKinds: body.eventKinds.map(\.rawValue), secret: body.secret, description: body.description, createdAt: Date(),
            startsAfter: try await store.events.lastPosition())
        let stored = try await store.webhooks.insert(webhook)
        return .created(.init(body: .json(try await webhookBody(stored, showingSecret: true))))
    }

    func getWebhook(_ input: Operations.GetWebhook.Input) async throws -> Operations.GetWebhook.Output {
        .ok(.init(body: .json(try await webhookBody(try await storedWebhook(input.path.webhookId), showingSecret: false))))
    }

    func deleteWebhook(_ input: Operations.DeleteWebhook.Input) async throws -> Operations.DeleteWebhook.Output {
        let id = WebhookID(rawValue: input.path.webhookId)
        guard try await store.webhooks.delete(id) else { throw APIError.notFound("webhook", input.path.webhookId) }
        // The deliverers stop at their next look at the list (seconds) and remove its cursor then;
        // the delivery log stays.
        return .noContent(.init())
    }

    func listWebhookDeliveries(_ input: Operations.ListWebhookDeliveries.Input) async throws -> Operations.ListWebhookDeliveries.Output {
        let webhook = try await storedWebhook(input.path.webhookId)
        let request = try pageRequest(limit: input.query.limit, cursor: input.query.cursor)
        let page: Page<WebhookDelivery>
        if let status = input.query.status {
            page = try await store.webhookDeliveries.find("webhook_status", equals: "\(webhook.id.rawValue)/\(status.rawValue)", page: request)
        } else {
            page = try await store.webhookDeliveries.find("webhook", equals: webhook.id.rawValue, page: request)
        }
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.WebhookDelivery.init), nextCursor: page.nextCursor))))
    }

    func replayWebhookDelivery(_ input: Operations.ReplayWebhookDelivery.Input) async throws -> Operations.ReplayWebhookDelivery.Output {
        let webhook = try await storedWebhook(input.path.webhookId)
        guard var delivery = try await store.webhookDeliveries.get(WebhookDeliveryID(rawValue: input.path.deliveryId)),
            delivery.webhookID == webhook.id
        else {
            throw APIError.notFound("delivery", input.path.deliveryId)
        }
        do {
            try delivery.replay(at: Date())
        } catch {
            throw APIError.conflict("only a parked delivery can be replayed; this one is \(delivery.status.rawValue)", field: "status")
        }
        do {
            delivery = try await store.webhookDeliveries.update(delivery)
        } catch let error as StoreError where error.isConflict {
            throw APIError.conflict("the delivery changed meanwhile; read it again")
        }
        return .accepted(.init(body: .json(.init(delivery))))
    }

    private func storedWebhook(_ id: String) async throws -> Webhook {
        guard let webhook = try await store.webhooks.get(WebhookID(rawValue: id)) else { throw APIError.notFound("webhook", id) }
        return webhook
    }

    private func webhookBody(_ webhook: Webhook, showingSecret: Bool) async throws -> Components.Schemas.Webhook {
        let cursor = try await store.webhookCursors.findUnique("webhook", webhook.id.rawValue)
        return .init(
            id: webhook.id.rawValue, url: webhook.url.absoluteString,
            eventKinds: webhook.eventKinds.compactMap(Components.Schemas.WebhookEventKind.init(rawValue:)), description: webhook.description,
            secret: showingSecret ? webhook.secret : nil, createdAt: webhook.createdAt, startsAfter: webhook.startsAfter,
            position: cursor?.position ?? webhook.startsAfter)
    }
}

extension Components.Schemas.WebhookDelivery {
    init(_ delivery: WebhookDelivery) {
        self.init(
            id: delivery.id.rawValue, webhookId: delivery.webhookID.rawValue, eventId: delivery.eventID.rawValue,
            eventPosition: delivery.eventPosition, eventKind: delivery.eventKind.rawValue,
            status: .init(rawValue: delivery.status.rawValue) ?? .retrying, attempts: delivery.attempts, firstAttemptAt: delivery.firstAttemptAt,
            lastAttemptAt: delivery.lastAttemptAt, nextAttemptAt: delivery.nextAttemptAt, lastStatusCode: delivery.lastStatusCode,
            lastError: delivery.lastError, deliveredAt: delivery.deliveredAt, parkedAt: delivery.parkedAt, replays: delivery.replays)
    }
}
