import CarteiroDomain
import Foundation
import GRDB

/// Opens and clicks as rows of `engagement_hits`; the first of each message and kind a person
/// made is a row of `engagement_firsts` (its primary key makes it the first only once).
struct SQLiteEngagementLog: EngagementLog {
    let database: SQLiteDatabase

    func record(_ hits: [EngagementHit], firstEvent: @Sendable (EngagementHit) -> DomainEvent?) async throws -> [EngagementHit] {
        guard !hits.isEmpty else { return [] }
        // Events are made outside the writer: it only inserts.
        let events = hits.map { $0.machine || !$0.kind.hasFirst ? nil : firstEvent($0) }
        return try await database.write(appendsEvents: events.contains { $0 != nil }) { db in
            let insertHit = try db.cachedStatement(
                sql: """
                    INSERT INTO engagement_hits (kind, job_id, send_id, campaign_id, contact_id, link_index, url, machine, user_agent, at_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let insertFirst = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO engagement_firsts (job_id, kind, campaign_id, at_ms) VALUES (?, ?, ?, ?)")
            var firsts: [EngagementHit] = []
            var firstEvents: [DomainEvent] = []
            // A message opened many times in one batch asks the firsts table once.
            var tried = Set<String>()
            for (hit, event) in zip(hits, events) {
                let at = StoreCoding.milliseconds(hit.at)
                try insertHit.execute(arguments: [
                    hit.kind.rawValue, hit.jobID.rawValue, hit.sendID?.rawValue, hit.campaignID?.rawValue, hit.contactID?.rawValue, hit.linkIndex,
                    hit.url, hit.machine, hit.userAgent.map { String($0.prefix(300)) }, at,
                ])
                guard !hit.machine, hit.kind.hasFirst, tried.insert("\(hit.jobID.rawValue)#\(hit.kind.rawValue)").inserted else { continue }
                try insertFirst.execute(arguments: [hit.jobID.rawValue, hit.kind.rawValue, hit.campaignID?.rawValue, at])
                if db.changesCount == 1 {
                    firsts.append(hit)
                    if let event { firstEvents.append(event) }
                }
            }
            _ = try SQLiteEventLog.append(firstEvents, in: db)
            return firsts
        }
    }

    func summary(campaign: CampaignID, topLinks: Int) async throws -> EngagementSummary {
        try await database.read { db in
            var summary = EngagementSummary()
            let id = campaign.rawValue
            for row in try Row.fetchAll(
                db,
                sql: "SELECT kind, machine, count(*) AS n FROM engagement_hits WHERE campaign_id = ? GROUP BY kind, machine",
                arguments: [id])
            {
                let kind: String = row["kind"]
                let machine: Bool = row["machine"]
                let count: Int = row["n"]
                switch EngagementHit.Kind(rawValue: kind) {
                case .unsubscribe: summary.unsubscribed += count
                case .bounce: summary.bounced += count
                case .complaint: summary.complained += count
                default: update(&summary, kind: kind) { counts in if machine { counts.machine = count } else { counts.total = count } }
                }
            }
            // Messages a person opened (clicked in): distinct jobs among people's hits.
            for row in try Row.fetchAll(
                db,
                sql: "SELECT kind, count(DISTINCT job_id) AS n FROM engagement_hits WHERE campaign_id = ? AND machine = 0 GROUP BY kind",
                arguments: [id])
            {
                let count: Int = row["n"]
                update(&summary, kind: row["kind"]) { $0.unique = count }
            }
            summary.links = try Row.fetchAll(
                db,
                sql: """
                    SELECT url, count(DISTINCT job_id) AS people, count(*) AS n FROM engagement_hits
                    WHERE campaign_id = ? AND kind = 'click' AND machine = 0 AND url IS NOT NULL
                    GROUP BY url ORDER BY people DESC, n DESC, url LIMIT ?
                    """,
                arguments: [id, topLinks]
            ).map { row in EngagementSummary.Link(url: row["url"], unique: row["people"], total: row["n"]) }
            return summary
        }
    }

    private func update(_ summary: inout EngagementSummary, kind: String, _ change: (inout EngagementCounts) -> Void) {
        switch EngagementHit.Kind(rawValue: kind) {
        case .open: change(&summary.opens)
        case .click: change(&summary.clicks)
        default: break
        }
    }

    func count() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM engagement_hits") ?? 0 }
    }

    func lastEngagement(of contacts: [ContactID]) async throws -> [ContactID: ContactEngagement] {
        guard !contacts.isEmpty else { return [:] }
        let ids = contacts.map(\.rawValue)
        return try await database.read { db in
            var found: [ContactID: ContactEngagement] = [:]
            let marks = databaseQuestionMarks(count: ids.count)
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT contact_id, kind, max(at_ms) AS last FROM engagement_hits
                    WHERE machine = 0 AND contact_id IN (\(marks)) GROUP BY contact_id, kind
                    """,
                arguments: StatementArguments(ids))
            {
                let id = ContactID(rawValue: row["contact_id"])
                let last = StoreCoding.date(milliseconds: row["last"])
                switch EngagementHit.Kind(rawValue: row["kind"]) {
                case .open: found[id, default: ContactEngagement()].lastOpenedAt = last
                case .click: found[id, default: ContactEngagement()].lastClickedAt = last
                default: break
                }
            }
            for row in try Row.fetchAll(
                db,
                sql: "SELECT contact_id, max(updated_at) AS last FROM email_jobs WHERE status = 'sent' AND contact_id IN (\(marks)) GROUP BY contact_id",
                arguments: StatementArguments(ids))
            {
                found[ContactID(rawValue: row["contact_id"]), default: ContactEngagement()].lastSentAt = StoreCoding.date(milliseconds: row["last"])
            }
            return found
        }
    }
}

/// Secrets as rows of `server_secrets`: the first insert wins, every later one reads it.
struct SQLiteServerSecrets: ServerSecrets {
    let database: SQLiteDatabase

    func secret(named name: String, generate: @Sendable () -> [UInt8]) async throws -> [UInt8] {
        if let stored = try await database.read({ db in try Data.fetchOne(db, sql: "SELECT value FROM server_secrets WHERE name = ?", arguments: [name]) }) {
            return Array(stored)
        }
        let candidate = Data(generate())
        return try await database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?, ?)", arguments: [name, candidate])
            return Array(try Data.fetchOne(db, sql: "SELECT value FROM server_secrets WHERE name = ?", arguments: [name]) ?? candidate)
        }
    }
}
