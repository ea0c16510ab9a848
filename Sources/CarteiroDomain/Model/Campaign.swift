public import Foundation

public typealias CampaignID = Identifier<Campaign>

/// A message sent to one or more contact lists.
public struct Campaign: Aggregate {
    public enum Status: String, StatusMachine, CaseIterable {
        case draft, scheduled, sending, paused, sent, cancelled

        public static let entityName = "campaign"

        public func canMove(to next: Status) -> Bool {
            switch (self, next) {
            case (.draft, .scheduled), (.draft, .sending), (.draft, .cancelled): true
            case (.scheduled, .draft), (.scheduled, .sending), (.scheduled, .cancelled): true
            case (.sending, .paused), (.sending, .sent), (.sending, .cancelled): true
            case (.paused, .sending), (.paused, .cancelled): true
            default: false
            }
        }

        public var isFinal: Bool { self == .sent || self == .cancelled }
    }

    public let id: CampaignID
    public var version: Int
    public private(set) var name: String
    public var templateID: TemplateID
    public var listIDs: [ContactListID]
    public var segmentIDs: [SegmentID]
    public var from: EmailAddress
    public var fromName: String?
    public var replyTo: EmailAddress?
    /// Open and click tracking; nil (campaigns stored before tracking existed): both on.
    public var tracking: EngagementTracking?
    public private(set) var status: Status
    public private(set) var scheduledAt: Date?
    public private(set) var startedAt: Date?
    public private(set) var finishedAt: Date?
    /// The send that delivers it, from the moment sending starts.
    public private(set) var sendID: SendID?
    /// The template revision sent, fixed when sending starts.
    public private(set) var templateRevision: Int?
    /// When every recipient's job was queued; nil while the audience is still being queued (an
    /// interrupted start is completed by whoever finds it so).
    public private(set) var enqueuedAt: Date?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: CampaignID = CampaignID(), name: String, templateID: TemplateID, listIDs: [ContactListID], segmentIDs: [SegmentID] = [], from: EmailAddress,
        fromName: String? = nil, replyTo: EmailAddress? = nil, createdAt: Date
    ) throws(ValidationError) {
        self.id = id
        self.version = 0
        self.name = try requireNonEmpty(name, field: "name")
        self.templateID = templateID
        self.listIDs = listIDs
        self.segmentIDs = segmentIDs
        self.from = from
        self.fromName = fromName
        self.replyTo = replyTo
        self.status = .draft
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    public mutating func schedule(at date: Date, now: Date) throws(TransitionError) {
        status = try status.moving(to: .scheduled)
        scheduledAt = date
        updatedAt = now
    }

    /// Starts sending: fixes the send and the template revision.
    public mutating func start(sendID: SendID, templateRevision: Int, at now: Date) throws(TransitionError) {
        try move(to: .sending, at: now)
        self.sendID = sendID
        self.templateRevision = templateRevision
    }

    public mutating func markEnqueued(at now: Date) {
        enqueuedAt = now
        updatedAt = now
    }

    /// Changes what a draft sends; a campaign past its draft cannot change.
    public mutating func edit(
        name: String, templateID: TemplateID, listIDs: [ContactListID], segmentIDs: [SegmentID], from: EmailAddress, fromName: String?,
        replyTo: EmailAddress?, at now: Date
    ) throws(ValidationError) {
        guard status == .draft else { throw ValidationError(field: "status", reason: "only a draft can be changed; this campaign is \(status.rawValue)") }
        self.name = try requireNonEmpty(name, field: "name")
        self.templateID = templateID
        self.listIDs = listIDs
        self.segmentIDs = segmentIDs
        self.from = from
        self.fromName = fromName
        self.replyTo = replyTo
        updatedAt = now
    }

    public mutating func move(to next: Status, at now: Date) throws(TransitionError) {
        status = try status.moving(to: next)
        switch next {
        case .sending where startedAt == nil: startedAt = now
        case .sent, .cancelled: finishedAt = now
        case .draft: scheduledAt = nil
        default: break
        }
        updatedAt = now
    }
}
