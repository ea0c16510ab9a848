public import Foundation

public typealias WebhookCursorID = Identifier<WebhookCursor>

/// How far one webhook's deliveries have gone in the event log, and which process delivers it.
///
/// `position` is the last event the webhook is done with: delivered, parked, or not wanted. It
/// only moves forward, and only after the delivery's outcome is stored, so a process that stops
/// mid-delivery leaves the event to be sent again (at least once). The lease lets one process at a
/// time deliver the webhook; taking or renewing it is an optimistic write, as for `MailboxCursor`.
public struct WebhookCursor: Aggregate, Leasable {
    public let id: WebhookCursorID
    public var version: Int
    public let webhookID: WebhookID
    public private(set) var position: Int64
    public private(set) var leaseHolder: String?
    public private(set) var leaseExpiresAt: Date?

    public mutating func setLease(holder: String?, expiresAt: Date?) {
        leaseHolder = holder
        leaseExpiresAt = expiresAt
    }

    /// A new webhook's cursor starts at its `startsAfter`.
    public init(id: WebhookCursorID = WebhookCursorID(), webhookID: WebhookID, position: Int64) {
        self.id = id
        self.version = 0
        self.webhookID = webhookID
        self.position = position
    }





    /// Records that the webhook is done with every event up to `position`.
    public mutating func advance(to position: Int64) {
        self.position = max(self.position, position)
    }
}
