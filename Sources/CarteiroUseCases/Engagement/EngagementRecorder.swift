public import CarteiroDomain
public import CarteiroMail
public import Foundation
import Synchronization

/// Opens and clicks as the tracking routes see them, written in batches: a burst of opens costs
/// the store one write per batch, not one per request. Each hit is told apart as a person's or
/// a machine's (`MachineTraffic`) and completed with its job's send, campaign and contact; the
/// first of each message and kind a person made writes `email.opened` / `email.clicked`.
///
/// Taking a hit is a lock and an append, on the caller's thread: the request answers at once.
/// A batch the store refuses is kept and written with the next (up to `maximumPending` hits).
public final class EngagementRecorder: Sendable {
    struct Pending {
        var hit: TrackingLinks.Hit
        var userAgent: String?
        var at: Date
    }

    private struct Buffer {
        var pending: [Pending] = []
        var dropped = 0
    }

    private let buffer = Mutex(Buffer())
    private let writer: Writer
    private let maximumPending: Int

    public init(store: any Store, machineWindow: TimeInterval = MachineTraffic.defaultWindow, maximumBatch: Int = 1_000, maximumPending: Int = 200_000)
    {
        writer = Writer(store: store, machineWindow: machineWindow, maximumBatch: maximumBatch)
        self.maximumPending = maximumPending
    }

    /// Takes a hit to write with the next batch.
    public func add(_ hit: TrackingLinks.Hit, userAgent: String?, at: Date = Date()) {
        buffer.withLock { buffer in
            if buffer.pending.count >= maximumPending {
                // The store has refused writes for a long while: the oldest hits go first.
                buffer.pending.removeFirst(buffer.pending.count - maximumPending + 1)
                buffer.dropped += 1
            }
            buffer.pending.append(Pending(hit: hit, userAgent: userAgent, at: at))
        }
    }

    public var pendingCount: Int { buffer.withLock { $0.pending.count } }
    /// Hits given up because too many waited for the store.
    public var droppedCount: Int { buffer.withLock { $0.dropped } }

    /// Writes what is pending, a batch at a time; returns how many hits were written. On a store
    /// failure the unwritten hits stay pending, in order, and the error is thrown.
    @discardableResult
    public func flush() async throws -> Int {
        try await writer.flush(from: self)
    }

    fileprivate func take(_ count: Int) -> [Pending] {
        buffer.withLock { buffer in
            let batch = Array(buffer.pending.prefix(count))
            buffer.pending.removeFirst(batch.count)
            return batch
        }
    }

    fileprivate func giveBack(_ batch: [Pending]) {
        buffer.withLock { $0.pending.insert(contentsOf: batch, at: 0) }
    }

    /// Writes batches one flush at a time, and remembers what hits need of their jobs.
    private actor Writer {
        struct JobFacts {
            var sendID: SendID?
            var campaignID: CampaignID?
            var contactID: ContactID?
        }

        let store: any Store
        let machineWindow: TimeInterval
        let maximumBatch: Int
        /// What a hit needs of its job, for the jobs seen lately.
        var jobs: [EmailJobID: JobFacts] = [:]

        init(store: any Store, machineWindow: TimeInterval, maximumBatch: Int) {
            self.store = store
            self.machineWindow = machineWindow
            self.maximumBatch = maximumBatch
        }

        func flush(from recorder: EngagementRecorder) async throws -> Int {
            var written = 0
            while true {
                let batch = recorder.take(maximumBatch)
                guard !batch.isEmpty else { return written }
                do {
                    try await store.engagement.record(try await resolve(batch)) { hit in EngagementRecorder.event(for: hit) }
                    written += batch.count
                } catch {
                    recorder.giveBack(batch)
                    throw error
                }
            }
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
                        machine: MachineTraffic.isMachine(
                            userAgent: pending.userAgent, at: pending.at, composedAt: pending.hit.composedAt, window: machineWindow),
                        userAgent: pending.userAgent, at: pending.at))
            }
            return hits
        }
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
