public import CarteiroDomain
public import CarteiroMail
public import Foundation

/// Opens and clicks as the tracking routes see them, written in batches: a burst of opens costs
/// the store one write per batch, not one per request. Each hit is told apart as a person's or
/// a machine's (`MachineTraffic`) and completed with its job's send, campaign and contact; the
/// first of each message and kind a person made writes `email.opened` / `email.clicked`.
///
/// A batch the store refuses is kept and written with the next (up to `maximumPending` hits).
public actor EngagementRecorder {
    private let store: any Store
    private let machineWindow: TimeInterval
    private let maximumBatch: Int
    private let maximumPending: Int
    private var pending: [Pending] = []
    /// What a hit needs of its job, for the jobs seen lately.
    private var jobs: [EmailJobID: JobFacts] = [:]
    private var dropped = 0

    struct Pending {
        var hit: TrackingLinks.Hit
        var userAgent: String?
        var at: Date
    }

    struct JobFacts {
        var sendID: SendID?
        var campaignID: CampaignID?
        var contactID: ContactID?
    }

    public init(store: any Store, machineWindow: TimeInterval = MachineTraffic.defaultWindow, maximumBatch: Int = 1_000, maximumPending: Int = 200_000)
    {
        self.store = store
        self.machineWindow = machineWindow
        self.maximumBatch = maximumBatch
        self.maximumPending = maximumPending
    }

    /// Takes a hit to write with the next batch.
    public func add(_ hit: TrackingLinks.Hit, userAgent: String?, at: Date = Date()) {
        if pending.count >= maximumPending {
            // The store has refused writes for a long while: the oldest hits go first.
            pending.removeFirst(pending.count - maximumPending + 1)
            dropped += 1
        }
        pending.append(Pending(hit: hit, userAgent: userAgent, at: at))
    }

    public var pendingCount: Int { pending.count }
    /// Hits given up because too many waited for the store.
    public var droppedCount: Int { dropped }

    /// Writes what is pending, a batch at a time; returns how many hits were written. On a store
    /// failure the unwritten hits stay pending and the error is thrown.
    @discardableResult
    public func flush() async throws -> Int {
        var written = 0
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maximumBatch))
            pending.removeFirst(batch.count)
            do {
                let hits = try await resolve(batch)
                try await store.engagement.record(hits) { hit in Self.event(for: hit) }
                written += batch.count
            } catch {
                // Back in front, in order, before anything added meanwhile.
                pending.insert(contentsOf: batch, at: 0)
                throw error
            }
        }
        return written
    }

    private func resolve(_ batch: [Pending]) async throws -> [EngagementHit] {
        if jobs.count > 50_000 { jobs.removeAll(keepingCapacity: true) }
        var hits: [EngagementHit] = []
        hits.reserveCapacity(batch.count)
        for pending in batch {
            let jobID = EmailJobID(rawValue: pending.hit.jobID)
            let facts: JobFacts
            if let known = jobs[jobID] {
                facts = known
            } else {
                let job = try await store.emailJobs.get(jobID)
                facts = JobFacts(sendID: job?.sendID, campaignID: job?.campaignID, contactID: job?.contactID)
                jobs[jobID] = facts
            }
            hits.append(
                EngagementHit(
                    kind: pending.hit.kind == .open ? .open : .click, jobID: jobID, sendID: facts.sendID, campaignID: facts.campaignID,
                    contactID: facts.contactID, linkIndex: pending.hit.linkIndex, url: pending.hit.url,
                    machine: MachineTraffic.isMachine(userAgent: pending.userAgent, at: pending.at, composedAt: pending.hit.composedAt, window: machineWindow),
                    userAgent: pending.userAgent, at: pending.at))
        }
        return hits
    }

    static func event(for hit: EngagementHit) -> DomainEvent {
        let engagement = EventPayload.EmailEngagement(jobID: hit.jobID, contactID: hit.contactID, url: hit.url)
        return DomainEvent(occurredAt: hit.at, payload: hit.kind == .open ? .emailOpened(engagement) : .emailClicked(engagement))
    }
}

/// Opens and clicks that are not a person's: an image proxy that fetches every message as it
/// arrives (Apple Mail Privacy Protection), a security gateway that follows every link (Safe
/// Links, Mimecast, Proofpoint…), a script. Told by their timing (within `window` of the message
/// being composed, which is moments before it is sent) and by their user agent.
public enum MachineTraffic {
    public static let defaultWindow: TimeInterval = 10

    /// Lower-cased parts of the user agents of scanners, previewers and scripts.
    static let agentMarks = [
        "bingpreview", "barracuda", "mimecast", "proofpoint", "urldefense", "trendmicro", "symantec", "messagelabs", "forcepoint", "fireeye",
        "safelinks", "safe links", "linkscanner", "sophos", "cisco", "zscaler", "python-requests", "python-urllib", "aiohttp", "curl/", "wget/",
        "go-http-client", "java/", "okhttp", "headlesschrome", "phantomjs", "facebookexternalhit", "slackbot", "twitterbot", "whatsapp",
        "skypeuripreview", "googlebot", "bot/", "crawler", "spider",
    ]

    public static func isMachine(userAgent: String?, at: Date, composedAt: Date, window: TimeInterval = defaultWindow) -> Bool {
        if at.timeIntervalSince(composedAt) < window { return true }
        guard let agent = userAgent?.trimmingCharacters(in: .whitespaces), !agent.isEmpty else { return true }
        // Apple's privacy proxy sends exactly this, and nothing a person's mail client would.
        if agent == "Mozilla/5.0" { return true }
        let lowered = agent.lowercased()
        return agentMarks.contains { lowered.contains($0) }
    }
}
