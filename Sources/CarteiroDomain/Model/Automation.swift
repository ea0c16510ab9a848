public import Foundation

public typealias AutomationID = Identifier<Automation>
public typealias ScheduledTaskID = Identifier<ScheduledTask>

/// A marketing rule: when a contact does something (an event type), after a delay, do an action.
public struct Automation: Aggregate {
    public enum Action: Hashable, Sendable, Codable {
        case sendTemplate(TemplateID, stream: MailStream)
        case addTag(String)
        case removeTag(String)
    }

    public let id: AutomationID
    public var version: Int
    public private(set) var name: String
    public var trigger: DomainEvent.Kind
    /// Only events whose payload matches these fields trigger (for example `intent = plan_change`).
    public var conditions: [String: String]
    public var delay: Duration
    public var action: Action
    public var enabled: Bool
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: AutomationID = AutomationID(), name: String, trigger: DomainEvent.Kind, conditions: [String: String] = [:],
        delay: Duration = .zero, action: Action, enabled: Bool = true, createdAt: Date
    ) throws(ValidationError) {
        guard delay >= .zero else { throw ValidationError(field: "delay", reason: "must not be negative") }
        self.id = id
        self.version = 0
        self.name = try requireNonEmpty(name, field: "name")
        self.trigger = trigger
        self.conditions = conditions
        self.delay = delay
        self.action = action
        self.enabled = enabled
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

/// An automation action due at a time for one contact. Claimed with a lease like an email job.
public struct ScheduledTask: Hashable, Sendable, Codable, Identifiable {
    public enum Status: String, StatusMachine, CaseIterable {
        case scheduled, leased, done, failed, cancelled

        public static let entityName = "scheduled task"

        public func canMove(to next: Status) -> Bool {
            switch (self, next) {
            case (.scheduled, .leased), (.scheduled, .cancelled), (.leased, .leased), (.leased, .done), (.leased, .failed),
                (.leased, .scheduled):
                true
            default: false
            }
        }
    }

    public let id: ScheduledTaskID
    public let automationID: AutomationID
    public let contactID: ContactID
    /// The event that caused it; an automation runs at most once per (automation, event).
    public let causeEventID: EventID
    public var status: Status
    public var dueAt: Date
    public var attempts: Int
    public var lease: Lease?
    public var lastError: String?
    public let createdAt: Date

    public init(
        id: ScheduledTaskID = ScheduledTaskID(), automationID: AutomationID, contactID: ContactID, causeEventID: EventID, dueAt: Date,
        createdAt: Date
    ) {
        self.id = id
        self.automationID = automationID
        self.contactID = contactID
        self.causeEventID = causeEventID
        self.status = .scheduled
        self.dueAt = dueAt
        self.attempts = 0
        self.lease = nil
        self.lastError = nil
        self.createdAt = createdAt
    }
}
