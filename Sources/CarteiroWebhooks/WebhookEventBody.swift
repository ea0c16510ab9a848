public import CarteiroDomain
public import Foundation

/// The JSON body a webhook receives for one event, the event log's shape (`carteiro events tail`
/// prints the same `id`, `position`, `occurredAt` and `payload`) with the kind, the subject and
/// the webhook added at the top:
///
/// ```json
/// {"id":"…","kind":"contact.confirmed","occurredAt":"2026-12-08T01:00:00Z",
///  "payload":{"data":{…},"kind":"contact.confirmed"},"position":42,"subject":"…","webhookId":"…"}
/// ```
/// Keys are sorted and dates ISO 8601 (UTC, seconds), so a retry's bytes equal the first attempt's.
public struct WebhookEventBody: Encodable, Sendable {
    public let id: String
    public let webhookId: String
    public let kind: String
    public let subject: String
    public let position: Int64
    public let occurredAt: Date
    public let payload: EventPayload

    public init(event: DomainEvent, webhookID: WebhookID) {
        id = event.id.rawValue
        webhookId = webhookID.rawValue
        kind = event.kind.rawValue
        subject = event.subject
        position = event.position ?? 0
        occurredAt = event.occurredAt
        payload = event.payload
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }
}
