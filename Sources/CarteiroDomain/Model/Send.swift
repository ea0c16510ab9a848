public import Foundation

/// One send: what every recipient's message is made from (sender and template), kept durably
/// with its jobs so that any worker process, after any restart, can finish it.
public struct Send: Aggregate {
    public enum Status: String, StatusMachine, CaseIterable {
        case sending, paused, finished

        public static let entityName = "send"

        public func canMove(to next: Status) -> Bool {
            switch (self, next) {
            case (.sending, .paused), (.paused, .sending), (.sending, .finished): true
            default: false
            }
        }
    }

    public let id: SendID
    public var version: Int
    public let campaignID: CampaignID?
    public let stream: MailStream
    /// The route of the send's jobs (see `EmailJob.route`); nil: any worker. Absent in sends
    /// stored before routes existed, which any worker may finish.
    public let route: String?
    public let from: EmailAddress
    public let fromName: String?
    public let replyTo: EmailAddress?
    public let subject: String
    public let htmlBody: String?
    public let textBody: String?
    /// Template variables beyond the contact's fields (for example CSV columns).
    public let extraVariables: [String]
    /// Set on an answer a person wrote in an email conversation: the headers that thread it.
    public let threading: Threading?
    /// What of a bulk send's engagement is tracked (a campaign's choice); nil: nothing.
    public let tracking: EngagementTracking?
    public private(set) var status: Status
    /// Recipients given, before suppression and duplicate removal.
    public var requested: Int
    public var suppressed: Int
    public var duplicates: Int
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: SendID = SendID(), campaignID: CampaignID? = nil, stream: MailStream, route: String? = nil, from: EmailAddress, fromName: String? = nil,
        replyTo: EmailAddress? = nil, subject: String, htmlBody: String?, textBody: String?, extraVariables: [String] = [], threading: Threading? = nil,
        tracking: EngagementTracking? = nil, createdAt: Date
    ) throws(ValidationError) {
        guard htmlBody?.isEmpty == false || textBody?.isEmpty == false else {
            throw ValidationError(field: "body", reason: "a send needs an HTML or a text body")
        }
        self.id = id
        self.version = 0
        self.campaignID = campaignID
        self.stream = stream
        self.route = route
        self.from = from
        self.fromName = fromName
        self.replyTo = replyTo
        self.subject = try requireNonEmpty(subject, field: "subject")
        self.htmlBody = htmlBody
        self.textBody = textBody
        self.extraVariables = extraVariables
        self.threading = threading
        self.tracking = tracking
        self.status = .sending
        self.requested = 0
        self.suppressed = 0
        self.duplicates = 0
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// The In-Reply-To and References of an answer (RFC 5322 section 3.6.4), Message-IDs without
    /// angle brackets. An answer a person wrote carries no `Auto-Submitted`.
    public struct Threading: Hashable, Sendable, Codable {
        public var inReplyTo: String?
        public var references: [String]

        public init(inReplyTo: String?, references: [String]) {
            self.inReplyTo = inReplyTo
            self.references = references
        }
    }

    public mutating func move(to next: Status, at now: Date) throws(TransitionError) {
        status = try status.moving(to: next)
        updatedAt = now
    }
}
