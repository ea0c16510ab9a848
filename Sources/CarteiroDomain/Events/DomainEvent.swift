public import Foundation

public typealias EventID = Identifier<DomainEvent>

/// Something that happened, appended to the durable event log in the same write as the state
/// change that caused it.
public struct DomainEvent: Hashable, Sendable, Codable, Identifiable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case contactSignedUp = "contact.signed_up"
        case contactConfirmed = "contact.confirmed"
        case contactDeclined = "contact.declined"
        case contactUnsubscribed = "contact.unsubscribed"
        case emailSent = "email.sent"
        case emailFailed = "email.failed"
        case emailBounced = "email.bounced"
        case emailOpened = "email.opened"
        case emailClicked = "email.clicked"
        case chatMessagePosted = "chat.message_posted"
        case chatIntentDetected = "chat.intent_detected"
        case chatHandoffRequested = "chat.handoff_requested"
        case chatClosed = "chat.closed"
        case campaignStatusChanged = "campaign.status_changed"
        case relayStateChanged = "relay.state_changed"
    }

    public let id: EventID
    /// Place in the log, assigned by the store on append: increasing in commit order, gaps allowed.
    public var position: Int64?
    public let occurredAt: Date
    public let payload: EventPayload

    public init(id: EventID = EventID(), occurredAt: Date, payload: EventPayload) {
        self.id = id
        self.position = nil
        self.occurredAt = occurredAt
        self.payload = payload
    }

    public var kind: Kind { payload.kind }
    /// The aggregate the event is about, for filtering and partitioning.
    public var subject: String { payload.subject }
}
