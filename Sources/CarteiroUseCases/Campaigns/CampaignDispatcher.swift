public import CarteiroDomain
import CarteiroMIME
import CarteiroMail
public import Foundation

/// The life of a campaign past its draft: start (freeze the audience and queue one job per
/// recipient through `AcceptSend`, as `carteiro send` does), schedule, pause, resume, cancel,
/// test sends, live counters, and the periodic `advance` that starts scheduled campaigns,
/// completes interrupted starts and marks campaigns sent once every job is final.
public struct CampaignDispatcher: Sendable {
    private let store: any Store

    public init(store: any Store) { self.store = store }

    /// What a campaign's jobs are doing now, read from the store.
    public struct Counts: Sendable, Equatable {
        public var audience = 0
        public var suppressed = 0
        public var duplicates = 0
        /// Waiting, claimed, retrying or held: not final yet.
        public var queued = 0
        public var sent = 0
        public var failed = 0
        public var cancelled = 0
    }

    /// A campaign that cannot do what was asked in its state, or whose parts are missing.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let field: String?
        public let description: String
    }

    public func counts(of campaign: Campaign) async throws -> Counts {
        var counts = Counts()
        guard let sendID = campaign.sendID else { return counts }
        if let send = try await store.sends.get(sendID) {
            counts.audience = send.requested
            counts.suppressed = send.suppressed
            counts.duplicates = send.duplicates
        }
        for (status, number) in try await store.emailJobs.statusCounts(sendID: sendID) {
            switch status {
            case .queued, .leased, .retryScheduled, .held: counts.queued += number
            case .sent: counts.sent += number
            case .failed: counts.failed += number
            case .cancelled: counts.cancelled += number
            }
        }
        return counts
    }

    /// Sends a draft or scheduled campaign now: it becomes `sending` (only one caller wins), then
    /// its audience is queued.
    public func start(_ campaign: Campaign, now: Date = Date()) async throws -> Campaign {
        let template = try await template(of: campaign)
        try await checkAudienceSources(of: campaign)
        var started = campaign
        try started.start(sendID: SendID(at: now), templateRevision: template.revision, at: now)
        started = try await store.campaigns.update(started)
        return try await enqueue(started, now: now)
    }

    /// Queues the audience of a sending campaign whose jobs are not all queued yet (again, after
    /// an interruption: the queue keeps one job per recipient), then matches a pause or a cancel
    /// that came meanwhile.
    public func enqueue(_ campaign: Campaign, now: Date = Date()) async throws -> Campaign {
        guard let sendID = campaign.sendID, let startedAt = campaign.startedAt, campaign.enqueuedAt == nil else { return campaign }
        let template = try await template(of: campaign, revision: campaign.templateRevision)
        let check = try TemplateCheck(subject: template.subject, html: template.htmlBody, text: template.textBody)
        let recipients = try await CampaignAudience(store: store).recipients(of: campaign, asOf: startedAt, now: now)
        var request = try sendRequest(for: campaign, template: template, check: check, recipients: recipients, stream: .bulk)
        request.tracking = campaign.tracking ?? .all
        request.campaignID = campaign.id
        request.sendID = sendID
        if recipients.isEmpty {
            // Nobody to write to: a send of no jobs, finished at once.
            _ = try await store.sends.insert(
                try Send(id: sendID, campaignID: campaign.id, stream: .bulk, from: campaign.from, subject: template.subject,
                         htmlBody: template.htmlBody, textBody: template.textBody, createdAt: now))
        } else {
            let plan = try AcceptSend.validate(request, now: now)
            _ = try await AcceptSend(store: store).accept(plan, now: now)
        }
        return try await updating(campaign.id) { current in
            current.markEnqueued(at: now)
            // A pause or a cancel while the audience was queued held or cancelled what existed then.
            switch current.status {
            case .paused: _ = try await store.emailJobs.hold(sendID: sendID, at: now)
            case .cancelled: _ = try await store.emailJobs.cancel(sendID: sendID, at: now)
            default: break
            }
        }
    }

    /// A time already past starts the campaign at the clock's next turn.
    public func schedule(_ campaign: Campaign, at time: Date, now: Date = Date()) async throws -> Campaign {
        _ = try await template(of: campaign)
        try await checkAudienceSources(of: campaign)
        var scheduled = campaign
        try scheduled.schedule(at: time, now: now)
        return try await store.campaigns.update(scheduled)
    }

    /// No worker claims the campaign's waiting jobs any more; jobs already claimed finish.
    public func pause(_ campaign: Campaign, now: Date = Date()) async throws -> Campaign {
        try await move(campaign, to: .paused, now: now) { queue, sendID in try await queue.hold(sendID: sendID, at: now) }
    }

    /// The held jobs go back to the workers; a job already sent is never sent again.
    public func resume(_ campaign: Campaign, now: Date = Date()) async throws -> Campaign {
        try await move(campaign, to: .sending, now: now) { queue, sendID in try await queue.release(sendID: sendID, at: now) }
    }

    /// The jobs no worker holds are never sent.
    public func cancel(_ campaign: Campaign, now: Date = Date()) async throws -> Campaign {
        try await move(campaign, to: .cancelled, now: now) { queue, sendID in try await queue.cancel(sendID: sendID, at: now) }
    }

    /// Stores the campaign's new status, then applies it to its send's jobs (when it has a send).
    private func move(
        _ campaign: Campaign, to status: Campaign.Status, now: Date, jobs: (any EmailJobQueue, SendID) async throws -> Int
    ) async throws -> Campaign {
        var moved = campaign
        try moved.move(to: status, at: now)
        moved = try await store.campaigns.update(moved)
        if let sendID = moved.sendID { _ = try await jobs(store.emailJobs, sendID) }
        return moved
    }

    /// Sends the campaign's message to `addresses`, subject marked `[TEST]`, as a send of its own
    /// that the campaign's counters never see. An address of a contact renders with its values.
    public func test(_ campaign: Campaign, to addresses: [EmailAddress], now: Date = Date()) async throws -> Send {
        let template = try await template(of: campaign)
        let check = try TemplateCheck(subject: template.subject, html: template.htmlBody, text: template.textBody)
        var recipients: [ContactRecipient] = []
        for address in addresses {
            if let contact = try await store.contacts.find(email: address) {
                recipients.append(CampaignAudience.recipient(contact))
            } else {
                recipients.append(ContactRecipient(contactID: nil, email: address, name: nil, variables: [:]))
            }
        }
        let request = try sendRequest(
            for: campaign, template: template, check: check, recipients: recipients, stream: .transactional, subjectPrefix: "[TEST] ")
        return try await AcceptSend(store: store).accept(try AcceptSend.validate(request, now: now), now: now)
    }

    /// One turn of the campaign clock: scheduled campaigns whose time came start, interrupted
    /// starts are completed, and sending campaigns whose jobs are all final become `sent`.
    /// Several processes may run it: optimistic concurrency lets one of them act on each campaign.
    public func advance(now: Date = Date(), interruptedAfter: TimeInterval = 60) async throws {
        for campaign in try await campaigns(in: .scheduled) where (campaign.scheduledAt ?? .distantFuture) <= now {
            try await ignoringLostRaces { _ = try await start(campaign, now: now) }
        }
        for campaign in try await campaigns(in: .sending) {
            if campaign.enqueuedAt == nil {
                if now.timeIntervalSince(campaign.updatedAt) >= interruptedAfter {
                    try await ignoringLostRaces { _ = try await enqueue(campaign, now: now) }
                }
                continue
            }
            let counts = try await counts(of: campaign)
            guard counts.queued == 0 else { continue }
            try await ignoringLostRaces {
                var sent = campaign
                try sent.move(to: .sent, at: now)
                _ = try await store.campaigns.update(sent)
                if let sendID = campaign.sendID, var send = try await store.sends.get(sendID), send.status == .sending {
                    try send.move(to: .finished, at: now)
                    _ = try await store.sends.update(send)
                }
            }
        }
    }

    private func sendRequest(
        for campaign: Campaign, template: Template, check: TemplateCheck, recipients: [ContactRecipient], stream: MailStream, subjectPrefix: String = ""
    ) throws -> SendRequest {
        SendRequest(
            from: try MailAddress(campaign.from.value, displayName: campaign.fromName),
            replyTo: try campaign.replyTo.map { try MailAddress($0.value) }, subject: subjectPrefix + template.subject,
            textBody: template.textBody, htmlBody: template.htmlBody, recipients: .contacts(recipients, variables: Set(check.unknownVariables)),
            stream: stream)
    }

    private func ignoringLostRaces(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as StoreError where error.isConflict || error.isDuplicate {
            // Another process acted on this campaign first.
        } catch is TransitionError {
            // Its state changed meanwhile (paused, cancelled).
        }
    }

    private func campaigns(in status: Campaign.Status) async throws -> [Campaign] {
        var found: [Campaign] = []
        var cursor: String?
        repeat {
            let page = try await store.campaigns.find("status", equals: status.rawValue, page: try PageRequest(limit: 1000, cursor: cursor))
            found += page.items
            cursor = page.nextCursor
        } while cursor != nil
        return found
    }

    /// Re-reads the campaign and applies `change` until it is stored (a pause or resume may
    /// write in between).
    private func updating(_ id: CampaignID, _ change: (inout Campaign) async throws -> Void) async throws -> Campaign {
        for _ in 0..<10 {
            guard var campaign = try await store.campaigns.get(id) else { throw StoreError(.notFound, "campaign \(id) does not exist") }
            try await change(&campaign)
            do {
                return try await store.campaigns.update(campaign)
            } catch let error as StoreError where error.isConflict {
                continue
            }
        }
        throw StoreError(.conflict, "campaign \(id) kept changing")
    }

    /// The campaign's template, at `revision` when given (from the archive if it changed since).
    private func template(of campaign: Campaign, revision: Int? = nil) async throws -> Template {
        guard let template = try await store.templates.get(campaign.templateID) else {
            throw Refusal(field: "templateId", description: "template \(campaign.templateID) does not exist")
        }
        guard let revision, revision != template.revision else { return template }
        guard let archived = try await store.templateRevisions.get(TemplateRevision.id(template: template.id, revision: revision)) else {
            throw Refusal(field: "templateId", description: "revision \(revision) of template \(template.id) is not kept")
        }
        return try Template(
            id: template.id, name: archived.name, subject: archived.subject, htmlBody: archived.htmlBody, textBody: archived.textBody,
            createdAt: template.createdAt)
    }

    /// A campaign to send needs a list or a segment (a draft may have none yet), all of them stored.
    private func checkAudienceSources(of campaign: Campaign) async throws {
        guard !campaign.listIDs.isEmpty || !campaign.segmentIDs.isEmpty else {
            throw Refusal(field: "listIds", description: "the campaign has no list or segment to send to")
        }
        for list in campaign.listIDs where try await store.contactLists.get(list) == nil {
            throw Refusal(field: "listIds", description: "list \(list) does not exist")
        }
        for segment in campaign.segmentIDs where try await store.segments.get(segment) == nil {
            throw Refusal(field: "segmentIds", description: "segment \(segment) does not exist")
        }
    }
}
