public import Foundation

public typealias EmailJobID = Identifier<EmailJob>
/// Identifies one send: a campaign run or one `carteiro send` invocation.
public typealias SendID = Identifier<Send>

/// Which queue a message travels on. Transactional mail is always claimed before bulk mail.
public enum MailStream: String, Hashable, Sendable, Codable, CaseIterable {
    case transactional, bulk

    /// Lower is claimed first.
    public var priority: Int { self == .transactional ? 0 : 1 }
}

/// What a relay answered when it did not accept a message.
public struct DeliveryFailure: Hashable, Sendable, Codable, CustomStringConvertible {
    public var replyCode: Int?
    public var enhancedStatus: String?
    public var text: String

    public init(replyCode: Int? = nil, enhancedStatus: String? = nil, text: String) {
        self.replyCode = replyCode
        self.enhancedStatus = enhancedStatus
        self.text = text
    }

    public var description: String {
        [replyCode.map(String.init), enhancedStatus, text].compactMap { $0 }.joined(separator: " ")
    }
}

/// A claim on a piece of work, valid until `expiresAt`. The token fences writes: only the holder
/// of the current token may record the outcome.
public struct Lease: Hashable, Sendable, Codable {
    public var owner: String
    public var token: String
    public var expiresAt: Date

    public init(owner: String, token: String, expiresAt: Date) {
        self.owner = owner
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// One recipient of one send.
public struct EmailJob: Hashable, Sendable, Codable, Identifiable {
    public enum Status: String, StatusMachine, CaseIterable {
        case queued, leased, sent, retryScheduled = "retry_scheduled", failed
        /// Waiting, but no worker may claim it: its send is paused.
        case held
        /// Never to be sent: its send was cancelled before a worker took it.
        case cancelled

        public static let entityName = "email job"

        public func canMove(to next: Status) -> Bool {
            switch (self, next) {
            case (.queued, .leased), (.retryScheduled, .leased): true
            case (.queued, .held), (.retryScheduled, .held), (.held, .queued), (.held, .retryScheduled): true
            case (.queued, .cancelled), (.retryScheduled, .cancelled), (.held, .cancelled): true
            // An expired lease is claimed again by another worker.
            case (.leased, .leased): true
            case (.leased, .sent), (.leased, .retryScheduled), (.leased, .failed): true
            // Released unsent (graceful shutdown, relay pool drained).
            case (.leased, .queued): true
            default: false
            }
        }

        public var isFinal: Bool { self == .sent || self == .failed || self == .cancelled }
    }

    public let id: EmailJobID
    public let sendID: SendID
    public let campaignID: CampaignID?
    public let contactID: ContactID?
    public let recipient: EmailAddress
    public let recipientName: String?
    public let stream: MailStream
    /// The relays this job must go through: a named relay group, or one derived from the relays
    /// the send was given. Only a worker serving this route claims it; nil: any worker.
    public let route: String?
    /// Per-recipient template values (for example the columns of a CSV row).
    public let variables: [String: String]
    public var status: Status
    public var attempts: Int
    public var dueAt: Date
    public var lease: Lease?
    public var relay: String?
    public var lastError: DeliveryFailure?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: EmailJobID = EmailJobID(), sendID: SendID, campaignID: CampaignID? = nil, contactID: ContactID? = nil,
        recipient: EmailAddress, recipientName: String? = nil, stream: MailStream, route: String? = nil, variables: [String: String] = [:],
        dueAt: Date, createdAt: Date
    ) {
        self.id = id
        self.sendID = sendID
        self.campaignID = campaignID
        self.contactID = contactID
        self.recipient = recipient
        self.recipientName = recipientName
        self.stream = stream
        self.route = route
        self.variables = variables
        self.status = .queued
        self.attempts = 0
        self.dueAt = dueAt
        self.lease = nil
        self.relay = nil
        self.lastError = nil
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

/// The result a lease holder records for a claimed job.
public struct EmailJobOutcome: Hashable, Sendable {
    public enum Result: Hashable, Sendable {
        case sent(relay: String)
        case retry(at: Date, relay: String?, failure: DeliveryFailure)
        case failed(relay: String?, failure: DeliveryFailure)
        /// Given back unsent and unattempted: it is claimable again at once, and the attempt is not counted.
        case released
        /// Given back unattempted until `until` (a recipient domain's rate limit was reached): the
        /// attempt is not counted.
        case deferred(until: Date)
        /// Not sent, and never will be: the recipient became suppressed (unsubscribed, bounced,
        /// complained, declined, erased) after the job was queued. The attempt is not counted.
        case cancelled(reason: String)
    }

    public let jobID: EmailJobID
    public let leaseToken: String
    public let result: Result

    public init(jobID: EmailJobID, leaseToken: String, result: Result) {
        self.jobID = jobID
        self.leaseToken = leaseToken
        self.result = result
    }

    public var newStatus: EmailJob.Status {
        switch result {
        case .sent: .sent
        case .retry: .retryScheduled
        case .failed: .failed
        case .released, .deferred: .queued
        case .cancelled: .cancelled
        }
    }
}
