public import Foundation

/// The durable queue of email jobs that workers claim with a lease.
///
/// Claims are atomic across processes: two claimers never hold the same job at once. A job
/// whose lease has expired can be claimed again. Outcomes are fenced by the lease token, so a
/// worker that lost its lease cannot overwrite the new holder's result.
public protocol EmailJobQueue: Sendable {
    /// Writes the jobs durably. A recipient already queued for the same send is skipped.
    func enqueue(_ jobs: [EmailJob], events: [DomainEvent]) async throws -> EnqueueResult
    /// Claims up to `limit` due jobs for `owner`: transactional before bulk, then oldest due first.
    func claim(_ request: ClaimRequest) async throws -> [EmailJob]
    /// Records outcomes of leased jobs in one write, with an `email.sent` / `email.failed` event
    /// for each final one. Outcomes whose lease token is no longer current are refused.
    func record(_ outcomes: [EmailJobOutcome], at now: Date) async throws -> RecordResult
    /// `record(_:at:)`, then `claim(next)`: a worker's turn from one batch to the next. A backend
    /// may do both in one write, which a worker then pays one commit for instead of two.
    func record(_ outcomes: [EmailJobOutcome], at now: Date, thenClaim next: ClaimRequest) async throws -> (
        recorded: RecordResult, claimed: [EmailJob]
    )
    /// Extends held leases to run at least until `until`, in one write: a worker calls it while
    /// it still works on the jobs, so the lease can be short and a crashed worker's jobs are
    /// claimed again soon. Fenced like `record`: only a job still leased under the given token is
    /// extended. The others (recorded since, or claimed by someone else after the lease ran out)
    /// are left unchanged and reported stale, so a holder that lost a job never takes it back.
    /// A lease that ran out but that nobody has claimed since still carries its holder's token and
    /// is extended too; a lease already running past `until` is not shortened.
    func renewLeases(_ leases: [HeldLease], until: Date, at now: Date) async throws -> RenewResult
    func get(_ id: EmailJobID) async throws -> EmailJob?
    /// How many jobs of a send (or of all sends) are in each status.
    func statusCounts(sendID: SendID?) async throws -> [EmailJob.Status: Int]
    /// Holds the send's waiting jobs (queued or retry-scheduled): no worker claims them until they
    /// are released. Jobs a worker holds a lease on are left to finish. Returns how many were held.
    func hold(sendID: SendID, at now: Date) async throws -> Int
    /// Gives the send's held jobs back to the workers as they were: queued when never attempted,
    /// retry-scheduled (at their time) otherwise. Returns how many.
    func release(sendID: SendID, at now: Date) async throws -> Int
    /// Cancels the send's jobs no worker holds (queued, retry-scheduled or held): they are never
    /// sent. Returns how many.
    func cancel(sendID: SendID, at now: Date) async throws -> Int
    /// Cancels every bulk job to `recipient` that is queued, waiting for a retry or held (not
    /// one being sent at this moment): an address that unsubscribed gets no more bulk mail.
    /// Returns how many were cancelled.
    func cancelBulk(to recipient: EmailAddress, at now: Date) async throws -> Int
    /// How a send's jobs went: sent and failed per relay, failures by reason, sends per hour.
    func deliveryBreakdown(sendID: SendID) async throws -> DeliveryBreakdown
    /// Jobs that reached `sent` from `from` (included) to `to` (excluded), by stream.
    func sentCounts(from: Date, to: Date) async throws -> [MailStream: Int]
    /// Jobs of a send in identifier order.
    func jobs(sendID: SendID, page: PageRequest) async throws -> Page<EmailJob>
    /// Per stream: jobs waiting (queued or retry-scheduled, due or not) and the creation time of
    /// the oldest queued one, for the queue-depth and oldest-queued-age gauges. Every stream is present.
    func streamStats() async throws -> [MailStream: StreamStats]
}

extension EmailJobQueue {
    public func record(_ outcomes: [EmailJobOutcome], at now: Date, thenClaim next: ClaimRequest) async throws -> (
        recorded: RecordResult, claimed: [EmailJob]
    ) {
        let recorded = try await record(outcomes, at: now)
        return (recorded, try await claim(next))
    }
}

public struct StreamStats: Hashable, Sendable {
    public var waiting: Int
    public var oldestQueuedAt: Date?
    public init(waiting: Int, oldestQueuedAt: Date?) {
        self.waiting = waiting
        self.oldestQueuedAt = oldestQueuedAt
    }
}

public struct ClaimRequest: Sendable {
    public var owner: String
    public var limit: Int
    public var leaseDuration: Duration
    /// Streams to claim from, in priority order; nil means every stream.
    public var streams: [MailStream]
    /// The routes the claimer serves: it gets jobs of these routes and jobs without one. nil:
    /// jobs of any route.
    public var routes: [String]?
    public var now: Date

    public init(
        owner: String, limit: Int, leaseDuration: Duration, streams: [MailStream] = MailStream.allCases, routes: [String]? = nil, now: Date
    ) {
        self.owner = owner
        self.limit = limit
        self.leaseDuration = leaseDuration
        self.streams = streams.sorted { $0.priority < $1.priority }
        self.routes = routes
        self.now = now
    }

    public var leaseExpiry: Date { now.addingTimeInterval(leaseDuration.timeInterval) }
}

/// A job's lease as its holder knows it: the token it was claimed with.
public struct HeldLease: Hashable, Sendable {
    public var jobID: EmailJobID
    public var token: String
    public init(jobID: EmailJobID, token: String) {
        self.jobID = jobID
        self.token = token
    }
}

public struct RenewResult: Hashable, Sendable {
    public var renewed: [EmailJobID]
    /// Leases not renewed because their token was no longer current or the job was no longer leased.
    public var stale: [EmailJobID]
    public init(renewed: [EmailJobID], stale: [EmailJobID]) {
        self.renewed = renewed
        self.stale = stale
    }
}

public struct EnqueueResult: Hashable, Sendable {
    public var inserted: Int
    /// Recipients already in the send, skipped.
    public var duplicates: Int
    public init(inserted: Int, duplicates: Int) {
        self.inserted = inserted
        self.duplicates = duplicates
    }
}

public struct RecordResult: Hashable, Sendable {
    public var accepted: [EmailJobID]
    /// Outcomes refused because their lease token was no longer current.
    public var stale: [EmailJobID]
    public init(accepted: [EmailJobID], stale: [EmailJobID]) {
        self.accepted = accepted
        self.stale = stale
    }
}

extension Duration {
    public var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

/// How a send's jobs went, for reports.
public struct DeliveryBreakdown: Hashable, Sendable {
    public struct RelayCounts: Hashable, Sendable {
        public var sent: Int
        public var failed: Int

        public init(sent: Int = 0, failed: Int = 0) {
            self.sent = sent
            self.failed = failed
        }
    }

    public var relays: [String: RelayCounts]
    /// Failed jobs by reason (`DeliveryFailure.reason`).
    public var failures: [String: Int]
    /// Sent jobs by the hour they were sent in (the hour's start).
    public var sentPerHour: [Date: Int]

    public init(relays: [String: RelayCounts] = [:], failures: [String: Int] = [:], sentPerHour: [Date: Int] = [:]) {
        self.relays = relays
        self.failures = failures
        self.sentPerHour = sentPerHour
    }
}

extension DeliveryFailure {
    /// What a report counts failures by: the enhanced status code (`5.1.1`), else the reply
    /// code (`550`), else `no reply` (the relay could not be reached or said nothing).
    public var reason: String { enhancedStatus ?? replyCode.map(String.init) ?? "no reply" }
}
