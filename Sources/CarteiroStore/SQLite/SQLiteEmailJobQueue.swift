import CarteiroDomain
import Foundation
import GRDB

/// Email jobs as rows with a column per field, read by position: a job is claimed and recorded
/// many times a second, and nothing per job is decoded but its variables (a plain length-prefixed
/// blob) and the failure of a retried job.
struct SQLiteEmailJobQueue: EmailJobQueue {
    let database: SQLiteDatabase
    let clock: any WallClock

    /// In the order `job(from:)` reads them.
    private static let columns = """
        id, send_id, campaign_id, contact_id, recipient, recipient_name, stream_priority, variables, status, attempts, due_at,
        lease_owner, lease_token, lease_expires_at, relay, last_error, created_at, updated_at, route
        """

    func enqueue(_ jobs: [EmailJob], events: [DomainEvent]) async throws -> EnqueueResult {
        try await database.write(appendsEvents: !events.isEmpty) { db in
            let encoder = StoreCoding.makeEncoder()
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO email_jobs (id, send_id, campaign_id, contact_id, recipient, recipient_key, recipient_name, stream_priority,
                        variables, status, attempts, due_at, last_error, created_at, updated_at, route)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (send_id, recipient_key) DO NOTHING
                    """)
            var inserted = 0
            for job in jobs {
                try statement.execute(arguments: [
                    job.id.rawValue, job.sendID.rawValue, job.campaignID?.rawValue, job.contactID?.rawValue, job.recipient.value,
                    job.recipient.canonical, job.recipientName, job.stream.priority, SQLiteJobVariables.encode(job.variables),
                    job.status.rawValue, job.attempts, StoreCoding.milliseconds(job.dueAt), try job.lastError.map { try encoder.encode($0) },
                    StoreCoding.milliseconds(job.createdAt), StoreCoding.milliseconds(job.updatedAt), job.route,
                ])
                inserted += db.changesCount
            }
            _ = try SQLiteEventLog.append(events, in: db)
            return EnqueueResult(inserted: inserted, duplicates: jobs.count - inserted)
        }
    }

    func claim(_ request: ClaimRequest) async throws -> [EmailJob] {
        guard request.limit > 0 else { return [] }
        return try await database.write { db in try Self.claim(request, in: db) }
    }

    /// Records, then claims the next batch, in one transaction: one commit (one fsync with
    /// `synchronous = FULL`) per batch instead of two, and one turn of the single writer.
    func record(_ outcomes: [EmailJobOutcome], at now: Date, thenClaim next: ClaimRequest) async throws -> (
        recorded: RecordResult, claimed: [EmailJob]
    ) {
        try await database.write(appendsEvents: !outcomes.isEmpty) { db in
            let recorded = try Self.record(outcomes, at: now, in: db)
            return (recorded, next.limit > 0 ? try Self.claim(next, in: db) : [])
        }
    }

    private static func claim(_ request: ClaimRequest, in db: Database) throws -> [EmailJob] {
        let token = UUID().uuidString
        let now = StoreCoding.milliseconds(request.now)
        let expiry = StoreCoding.milliseconds(request.leaseExpiry)
        let priorities = request.streams.map(\.priority)
        // Jobs are built from each returned row as it is stepped, without copying it first.
        let decoder = StoreCoding.makeDecoder()
        var claimed: [EmailJob] = []
        func lease(_ statement: Statement, _ arguments: StatementArguments) throws {
            let rows = try Row.fetchCursor(statement, arguments: arguments)
            while let row = try rows.next() { claimed.append(try Self.job(from: row, decoder: decoder)) }
        }
        let leaseSet = """
            UPDATE email_jobs SET status = 'leased', lease_owner = ?, lease_token = ?, lease_expires_at = ?,
                attempts = attempts + 1, updated_at = ?
            """
        // A claimer serving routes takes jobs of those routes and jobs without one.
        let routes = request.routes ?? []
        let routeFilter =
            request.routes == nil ? "" : " AND (route IS NULL OR route IN (\(routes.map { _ in "?" }.joined(separator: ", "))))"
        let routeArguments: [any DatabaseValueConvertible] = routes
        // Jobs whose holder let the lease run out come first: they are the oldest work.
        // The statements are cached: preparing them was a third of what a claim cost.
        let placeholders = priorities.map { _ in "?" }.joined(separator: ", ")
        try lease(
            db.cachedStatement(
                sql: """
                    \(leaseSet) WHERE id IN (SELECT id FROM email_jobs WHERE status = 'leased' AND lease_expires_at <= ?
                        AND stream_priority IN (\(placeholders))\(routeFilter) ORDER BY lease_expires_at LIMIT ?)
                    RETURNING \(Self.columns)
                    """),
            StatementArguments(
                [request.owner, token, expiry, now, now] as [any DatabaseValueConvertible] + priorities + routeArguments + [request.limit]))
        for priority in priorities where claimed.count < request.limit {
            try lease(
                db.cachedStatement(
                    sql: """
                        \(leaseSet) WHERE id IN (SELECT id FROM email_jobs WHERE status IN ('queued', 'retry_scheduled')
                            AND stream_priority = ? AND due_at <= ?\(routeFilter) ORDER BY due_at LIMIT ?)
                        RETURNING \(Self.columns)
                        """),
                StatementArguments(
                    [request.owner, token, expiry, now, priority, now] as [any DatabaseValueConvertible] + routeArguments
                        + [request.limit - claimed.count]))
        }
        return claimed.sorted { ($0.stream.priority, $0.dueAt) < ($1.stream.priority, $1.dueAt) }
    }

    func record(_ outcomes: [EmailJobOutcome], at now: Date) async throws -> RecordResult {
        guard !outcomes.isEmpty else { return RecordResult(accepted: [], stale: []) }
        return try await database.write(appendsEvents: true) { db in try Self.record(outcomes, at: now, in: db) }
    }

    private static func record(_ outcomes: [EmailJobOutcome], at now: Date, in db: Database) throws -> RecordResult {
        guard !outcomes.isEmpty else { return RecordResult(accepted: [], stale: []) }
        let nowMilliseconds = StoreCoding.milliseconds(now)
        let encoder = StoreCoding.makeEncoder()
        let statement = try db.cachedStatement(
            sql: """
                UPDATE email_jobs SET status = ?, relay = coalesce(?, relay), last_error = CASE WHEN ? THEN last_error ELSE ? END,
                    due_at = ?, attempts = attempts - ?, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = ?
                WHERE id = ? AND status = 'leased' AND lease_token = ?
                """)
        // The fields of the final outcomes' events are read before the updates, a chunk of jobs
        // per query: the write lock is held, so they cannot change in between (and an UPDATE …
        // RETURNING builds a temporary table each time it runs, which cost more than the update).
        let eventFields = try Self.eventFields(
            of: outcomes.lazy.filter(\.newStatus.isFinal).map(\.jobID.rawValue), in: db)
        // Event ids must be unique, not secret: one system draw per write, not two per id.
        var eventIDs = SplitMix64.seededBySystem()
        var accepted: [EmailJobID] = []
        var stale: [EmailJobID] = []
        var events: [DomainEvent] = []
        for outcome in outcomes {
            var relay: String?
            var failure: DeliveryFailure?
            var dueAt = nowMilliseconds
            // A job given back unattempted keeps the failure of its last attempt (as on MongoDB,
            // where those outcomes leave `lastError` alone).
            var keepsLastError = false
            var returnsAttempt = 0
            switch outcome.result {
            case .sent(let sentRelay): relay = sentRelay
            case .retry(let at, let retryRelay, let retryFailure):
                relay = retryRelay
                failure = retryFailure
                dueAt = StoreCoding.milliseconds(at)
            case .failed(let failedRelay, let finalFailure):
                relay = failedRelay
                failure = finalFailure
            case .released:
                keepsLastError = true
                returnsAttempt = 1
            case .deferred(let until):
                dueAt = StoreCoding.milliseconds(until)
                keepsLastError = true
                returnsAttempt = 1
            case .cancelled(let reason):
                failure = DeliveryFailure(text: reason)
                returnsAttempt = 1
            }
            try statement.execute(arguments: [
                outcome.newStatus.rawValue, relay, keepsLastError, try failure.map { try encoder.encode($0) }, dueAt, returnsAttempt,
                nowMilliseconds, outcome.jobID.rawValue, outcome.leaseToken,
            ])
            guard db.changesCount == 1 else {
                stale.append(outcome.jobID)
                continue
            }
            accepted.append(outcome.jobID)
            guard outcome.newStatus.isFinal else { continue }
            guard let row = eventFields[outcome.jobID.rawValue] else {
                throw StoreError(.corrupt, "email job \(outcome.jobID) vanished while its outcome was recorded")
            }
            if let event = try Self.finalEvent(for: outcome, row: row, id: EventID(at: now, using: &eventIDs), at: now) {
                events.append(event)
            }
        }
        _ = try SQLiteEventLog.append(events, in: db)
        return RecordResult(accepted: accepted, stale: stale)
    }

    private static let eventFieldsChunk = 50

    /// send_id, campaign_id, contact_id, recipient and attempts (columns 1 to 5) of the jobs,
    /// by id, read `eventFieldsChunk` at a time by one cached statement (a short chunk repeats
    /// its last id).
    private static func eventFields(of ids: some Sequence<String>, in db: Database) throws -> [String: Row] {
        let ids = Array(ids)
        guard !ids.isEmpty else { return [:] }
        let statement = try db.cachedStatement(
            sql: """
                SELECT id, send_id, campaign_id, contact_id, recipient, attempts FROM email_jobs
                WHERE id IN (\(Array(repeating: "?", count: eventFieldsChunk).joined(separator: ", ")))
                """)
        var fields: [String: Row] = [:]
        fields.reserveCapacity(ids.count)
        for start in stride(from: 0, to: ids.count, by: eventFieldsChunk) {
            var chunk = Array(ids[start..<min(start + eventFieldsChunk, ids.count)])
            chunk += repeatElement(chunk[chunk.count - 1], count: eventFieldsChunk - chunk.count)
            for row in try Row.fetchAll(statement, arguments: StatementArguments(chunk)) { fields[row[0]] = row }
        }
        return fields
    }

    /// `row` holds the job's id, send_id, campaign_id, contact_id, recipient and attempts.
    private static func finalEvent(for outcome: EmailJobOutcome, row: Row, id: EventID, at now: Date) throws -> DomainEvent? {
        let sendID = SendID(rawValue: row[1])
        let campaignID = (row[2] as String?).map(CampaignID.init(rawValue:))
        let contactID = (row[3] as String?).map(ContactID.init(rawValue:))
        let recipient = EmailAddress(storedValue: row[4])
        switch outcome.result {
        case .sent(let relay):
            return DomainEvent(
                id: id, occurredAt: now,
                payload: .emailSent(
                    .init(jobID: outcome.jobID, sendID: sendID, campaignID: campaignID, contactID: contactID, recipient: recipient, relay: relay)))
        case .failed(_, let failure):
            return DomainEvent(
                id: id, occurredAt: now,
                payload: .emailFailed(
                    .init(
                        jobID: outcome.jobID, sendID: sendID, campaignID: campaignID, contactID: contactID, recipient: recipient,
                        failure: failure, attempts: row[5])))
        case .retry, .released, .deferred, .cancelled:
            return nil
        }
    }

    /// One cached statement whatever the number of leases: the (id, token) pairs travel as one
    /// JSON array, so the statement text does not change with the count (nor run into SQLite's
    /// limit on bound values), and each pair is looked up by primary key.
    func renewLeases(_ leases: [HeldLease], until: Date, at now: Date) async throws -> RenewResult {
        guard !leases.isEmpty else { return RenewResult(renewed: [], stale: []) }
        let held = String(decoding: try JSONEncoder().encode(leases.map { [$0.jobID.rawValue, $0.token] }), as: UTF8.self)
        let renewed = try await database.write { db in
            Set(
                try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            UPDATE email_jobs SET lease_expires_at = max(lease_expires_at, ?), updated_at = ?
                            WHERE status = 'leased'
                                AND (id, lease_token) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))
                            RETURNING id, lease_token
                            """),
                    arguments: [StoreCoding.milliseconds(until), StoreCoding.milliseconds(now), held]
                ).map { HeldLease(jobID: EmailJobID(rawValue: $0[0]), token: $0[1]) })
        }
        var result = RenewResult(renewed: [], stale: [])
        for lease in leases {
            if renewed.contains(lease) { result.renewed.append(lease.jobID) } else { result.stale.append(lease.jobID) }
        }
        return result
    }

    func get(_ id: EmailJobID) async throws -> EmailJob? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM email_jobs WHERE id = ?", arguments: [id.rawValue])
                .map { try Self.job(from: $0, decoder: StoreCoding.makeDecoder()) }
        }
    }

    func statusCounts(sendID: SendID?) async throws -> [EmailJob.Status: Int] {
        try await database.read { db in
            let rows: [Row]
            if let sendID {
                rows = try Row.fetchAll(
                    db, sql: "SELECT status, count(*) AS n FROM email_jobs WHERE send_id = ? GROUP BY status", arguments: [sendID.rawValue])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM email_jobs GROUP BY status")
            }
            var counts: [EmailJob.Status: Int] = [:]
            for row in rows {
                if let status = EmailJob.Status(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    func hold(sendID: SendID, at now: Date) async throws -> Int {
        try await setStatus(of: sendID, from: "'queued', 'retry_scheduled'", to: "'held'", at: now)
    }

    func release(sendID: SendID, at now: Date) async throws -> Int {
        try await setStatus(of: sendID, from: "'held'", to: "CASE WHEN attempts = 0 THEN 'queued' ELSE 'retry_scheduled' END", at: now)
    }

    func cancel(sendID: SendID, at now: Date) async throws -> Int {
        try await setStatus(of: sendID, from: "'queued', 'retry_scheduled', 'held'", to: "'cancelled'", at: now)
    }

    func cancelBulk(to recipient: EmailAddress, at now: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(
                sql: """
                    UPDATE email_jobs SET status = 'cancelled', updated_at = ?
                    WHERE recipient_key = ? AND stream_priority = ? AND status IN ('queued', 'retry_scheduled', 'held')
                    """,
                arguments: [StoreCoding.milliseconds(now), recipient.canonical, MailStream.bulk.priority])
            return db.changesCount
        }
    }

    func deliveryBreakdown(sendID: SendID) async throws -> DeliveryBreakdown {
        try await database.read { db in
            var breakdown = DeliveryBreakdown()
            for row in try Row.fetchAll(
                db,
                sql: "SELECT coalesce(relay, '') AS relay, status, count(*) AS n FROM email_jobs WHERE send_id = ? AND status IN ('sent', 'failed') GROUP BY 1, 2",
                arguments: [sendID.rawValue])
            {
                let relay: String = row["relay"]
                let count: Int = row["n"]
                if (row["status"] as String) == EmailJob.Status.sent.rawValue {
                    breakdown.relays[relay, default: .init()].sent = count
                } else {
                    breakdown.relays[relay, default: .init()].failed = count
                }
            }
            breakdown.relays.removeValue(forKey: "")
            let decoder = StoreCoding.makeDecoder()
            for row in try Row.fetchAll(
                db, sql: "SELECT last_error FROM email_jobs WHERE send_id = ? AND status = 'failed'", arguments: [sendID.rawValue])
            {
                let failure = (row["last_error"] as Data?).flatMap { try? decoder.decode(DeliveryFailure.self, from: $0) }
                breakdown.failures[failure?.reason ?? "no reply", default: 0] += 1
            }
            for row in try Row.fetchAll(
                db,
                sql: "SELECT updated_at / 3600000 AS hour, count(*) AS n FROM email_jobs WHERE send_id = ? AND status = 'sent' GROUP BY 1",
                arguments: [sendID.rawValue])
            {
                let hour: Int64 = row["hour"]
                breakdown.sentPerHour[Date(timeIntervalSince1970: TimeInterval(hour * 3_600))] = row["n"]
            }
            return breakdown
        }
    }

    func sentCounts(from: Date, to: Date) async throws -> [MailStream: Int] {
        try await database.read { db in
            var counts: [MailStream: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT stream_priority, count(*) AS n FROM email_jobs WHERE status = 'sent' AND updated_at >= ? AND updated_at < ? GROUP BY 1",
                arguments: [StoreCoding.milliseconds(from), StoreCoding.milliseconds(to)])
            {
                let priority: Int = row["stream_priority"]
                if let stream = MailStream.allCases.first(where: { $0.priority == priority }) { counts[stream] = row["n"] }
            }
            return counts
        }
    }

    /// One statement on the send's jobs in the given statuses (SQL literals, never caller input).
    private func setStatus(of sendID: SendID, from statuses: String, to status: String, at now: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE email_jobs SET status = \(status), updated_at = ? WHERE send_id = ? AND status IN (\(statuses))",
                arguments: [StoreCoding.milliseconds(now), sendID.rawValue])
            return db.changesCount
        }
    }

    func jobs(sendID: SendID, page: PageRequest) async throws -> Page<EmailJob> {
        try await database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT \(Self.columns) FROM email_jobs WHERE send_id = ? AND id > ? ORDER BY id LIMIT ?",
                arguments: [sendID.rawValue, page.cursor ?? "", page.limit + 1])
            let decoder = StoreCoding.makeDecoder()
            let items = try rows.prefix(page.limit).map { try Self.job(from: $0, decoder: decoder) }
            return Page(items: items, nextCursor: rows.count > page.limit ? items.last?.id.rawValue : nil)
        }
    }

    func streamStats() async throws -> [MailStream: StreamStats] {
        try await database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT stream_priority, count(*) AS waiting, min(created_at) AS oldest FROM email_jobs
                    WHERE status IN ('queued', 'retry_scheduled') GROUP BY stream_priority
                    """)
            var stats = Dictionary(uniqueKeysWithValues: MailStream.allCases.map { ($0, StreamStats(waiting: 0, oldestQueuedAt: nil)) })
            for row in rows {
                guard let stream = MailStream.allCases.first(where: { $0.priority == row["stream_priority"] }) else { continue }
                stats[stream] = StreamStats(
                    waiting: row["waiting"], oldestQueuedAt: (row["oldest"] as Int64?).map(StoreCoding.date(milliseconds:)))
            }
            return stats
        }
    }

    private static func job(from row: Row, decoder: JSONDecoder) throws -> EmailJob {
        let id = EmailJobID(rawValue: row[0])
        let priority: Int = row[6]
        guard let stream = MailStream.allCases.first(where: { $0.priority == priority }) else {
            throw StoreError(.corrupt, "email job \(id) has an unknown stream priority \(priority)")
        }
        guard let status = EmailJob.Status(rawValue: row[8]) else {
            throw StoreError(.corrupt, "email job \(id) has an unknown status")
        }
        var job = EmailJob(
            id: id, sendID: SendID(rawValue: row[1]), campaignID: (row[2] as String?).map(CampaignID.init(rawValue:)),
            contactID: (row[3] as String?).map(ContactID.init(rawValue:)), recipient: EmailAddress(storedValue: row[4]), recipientName: row[5],
            stream: stream, route: row[18], variables: try SQLiteJobVariables.decode(row[7]), dueAt: StoreCoding.date(milliseconds: row[10]),
            createdAt: StoreCoding.date(milliseconds: row[16]))
        job.status = status
        job.attempts = row[9]
        if let owner: String = row[11], let token: String = row[12], let expiry: Int64 = row[13] {
            job.lease = Lease(owner: owner, token: token, expiresAt: StoreCoding.date(milliseconds: expiry))
        }
        job.relay = row[14]
        if let lastError: Data = row[15] { job.lastError = try decoder.decode(DeliveryFailure.self, from: lastError) }
        job.updatedAt = StoreCoding.date(milliseconds: row[17])
        return job
    }
}
