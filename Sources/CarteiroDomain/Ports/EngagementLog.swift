public import Foundation

/// One open or click of a message Carteiro sent, or what ended its recipient's mail: an
/// unsubscribe through its link, a bounce or a complaint that named it.
public struct EngagementHit: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case open, click, unsubscribe, bounce, complaint

        /// Opens and clicks have a first (with its event); the others are only counted.
        public var hasFirst: Bool { self == .open || self == .click }
    }

    public var kind: Kind
    public var jobID: EmailJobID
    public var sendID: SendID?
    public var campaignID: CampaignID?
    public var contactID: ContactID?
    /// For a click: the link's place among the message's links (from 0) and its URL.
    public var linkIndex: Int?
    public var url: String?
    /// A machine's (an image proxy that prefetches, a link scanner), not a person's: counted apart,
    /// and never the first open or click of a message.
    public var machine: Bool
    public var userAgent: String?
    public var at: Date

    public init(
        kind: Kind, jobID: EmailJobID, sendID: SendID? = nil, campaignID: CampaignID? = nil, contactID: ContactID? = nil, linkIndex: Int? = nil,
        url: String? = nil, machine: Bool = false, userAgent: String? = nil, at: Date
    ) {
        self.kind = kind
        self.jobID = jobID
        self.sendID = sendID
        self.campaignID = campaignID
        self.contactID = contactID
        self.linkIndex = linkIndex
        self.url = url
        self.machine = machine
        self.userAgent = userAgent
        self.at = at
    }
}

/// How often something happened: messages it happened to at least once (by a person), times a
/// person did it, and times a machine did.
public struct EngagementCounts: Hashable, Sendable, Codable {
    public var unique: Int
    public var total: Int
    public var machine: Int

    public init(unique: Int = 0, total: Int = 0, machine: Int = 0) {
        self.unique = unique
        self.total = total
        self.machine = machine
    }
}

/// A campaign's opens and clicks, and its most clicked links (people's clicks).
public struct EngagementSummary: Hashable, Sendable {
    public struct Link: Hashable, Sendable, Codable {
        public var url: String
        public var unique: Int
        public var total: Int

        public init(url: String, unique: Int, total: Int) {
            self.url = url
            self.unique = unique
            self.total = total
        }
    }

    public var opens: EngagementCounts
    public var clicks: EngagementCounts
    public var links: [Link]
    /// Recipients who unsubscribed through a message's link, whose message bounced, who complained of it.
    public var unsubscribed: Int
    public var bounced: Int
    public var complained: Int

    public init(
        opens: EngagementCounts = .init(), clicks: EngagementCounts = .init(), links: [Link] = [], unsubscribed: Int = 0, bounced: Int = 0,
        complained: Int = 0
    ) {
        self.opens = opens
        self.clicks = clicks
        self.links = links
        self.unsubscribed = unsubscribed
        self.bounced = bounced
        self.complained = complained
    }
}

/// Every open and click, kept for reports; the first a person made of each message and kind is
/// marked, so its event (`email.opened`, `email.clicked`) is written once.
public protocol EngagementLog: Sendable {
    /// Stores `hits` in one write. For each hit that is the first by a person of its message and
    /// kind, `firstEvent` gives the event written in the same write. Returns those first hits.
    @discardableResult
    func record(_ hits: [EngagementHit], firstEvent: @Sendable (EngagementHit) -> DomainEvent?) async throws -> [EngagementHit]
    /// Opens and clicks of a campaign's messages, with its `topLinks` most clicked links.
    func summary(campaign: CampaignID, topLinks: Int) async throws -> EngagementSummary
    /// Hits stored, people's and machines'.
    func count() async throws -> Int
    /// When each of `contacts` was last sent a message (a job that reached `sent`), last opened
    /// one and last clicked in one (people's opens and clicks); contacts with none are absent.
    func lastEngagement(of contacts: [ContactID]) async throws -> [ContactID: ContactEngagement]
}

/// Secrets every process of one installation shares (the key that signs links in mail), made
/// once by whichever process first needs them and kept in the store.
public protocol ServerSecrets: Sendable {
    /// The secret called `name`: the stored one, or `generate()`'s, stored now, when there is none.
    /// Two processes asking at once get the same one.
    func secret(named name: String, generate: @Sendable () -> [UInt8]) async throws -> [UInt8]
}
