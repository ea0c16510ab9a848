import CarteiroDomain
import Foundation
import MongoKit

/// Opens and clicks as documents of `engagement_hits`; the first of each message and kind a
/// person made is a document of `engagement_firsts` whose `_id` is `job#kind`, upserted with
/// `$setOnInsert` so that only the write that creates it counts (an insert that fails on a
/// duplicate key would abort the transaction that writes the event with it).
struct MongoEngagementLog: EngagementLog {
    let database: MongoDatabase

    static let hitsCollection = "engagement_hits"
    static let firstsCollection = "engagement_firsts"

    func record(_ hits: [EngagementHit], firstEvent: @Sendable (EngagementHit) -> DomainEvent?) async throws -> [EngagementHit] {
        guard !hits.isEmpty else { return [] }
        let events = hits.map { $0.machine || !$0.kind.hasFirst ? nil : firstEvent($0) }
        let documents = hits.map(Self.document(for:))
        // A message opened many times in one batch asks the firsts collection once.
        var tried = Set<String>()
        let human = Array(
            zip(hits, events).filter { hit, _ in
                !hit.machine && hit.kind.hasFirst && tried.insert("\(hit.jobID.rawValue)#\(hit.kind.rawValue)").inserted
            })
        return try await database.write(appendsEvents: !human.isEmpty) { connection, session in
            _ = try connection.insertMany(documents, into: Self.hitsCollection, session: session)
            var firsts: [EngagementHit] = []
            var firstEvents: [DomainEvent] = []
            for (hit, event) in human {
                var marker: BSONDocument = ["at": MongoEmailJobCoding.milliseconds(hit.at)]
                if let campaign = hit.campaignID { marker["campaignID"] = .string(campaign.rawValue) }
                marker["kind"] = .string(hit.kind.rawValue)
                let result = try connection.updateOne(
                    filter: ["_id": .string("\(hit.jobID.rawValue)#\(hit.kind.rawValue)")], update: ["$setOnInsert": .document(marker)],
                    in: Self.firstsCollection, upsert: true, session: session)
                if result.upsertedID != nil {
                    firsts.append(hit)
                    if let event { firstEvents.append(event) }
                }
            }
            _ = try MongoEventLog.append(firstEvents, connection: connection, session: session)
            return firsts
        }
    }

    private static func document(for hit: EngagementHit) -> BSONDocument {
        var document: BSONDocument = [
            "kind": .string(hit.kind.rawValue), "jobID": .string(hit.jobID.rawValue), "machine": .bool(hit.machine),
            "at": MongoEmailJobCoding.milliseconds(hit.at),
        ]
        if let send = hit.sendID { document["sendID"] = .string(send.rawValue) }
        if let campaign = hit.campaignID { document["campaignID"] = .string(campaign.rawValue) }
        if let contact = hit.contactID { document["contactID"] = .string(contact.rawValue) }
        if let index = hit.linkIndex { document["linkIndex"] = .int64(Int64(index)) }
        if let url = hit.url { document["url"] = .string(url) }
        if let agent = hit.userAgent { document["userAgent"] = .string(String(agent.prefix(300))) }
        return document
    }

    func summary(campaign: CampaignID, topLinks: Int) async throws -> EngagementSummary {
        let id = BSON.string(campaign.rawValue)
        return try await database.run { connection in
            var summary = EngagementSummary()
            summary.unsubscribed = try connection.countDocuments(filter: ["campaignID": id, "kind": "unsubscribe"], in: Self.hitsCollection)
            summary.bounced = try connection.countDocuments(filter: ["campaignID": id, "kind": "bounce"], in: Self.hitsCollection)
            summary.complained = try connection.countDocuments(filter: ["campaignID": id, "kind": "complaint"], in: Self.hitsCollection)
            for kind in [EngagementHit.Kind.open, .click] {
                let name = BSON.string(kind.rawValue)
                // Messages a person opened (clicked in): distinct jobs among people's hits, read from
                // the same documents as the totals.
                let people = try connection.aggregate(
                    [["$match": ["campaignID": id, "kind": name, "machine": false]], ["$group": ["_id": "$jobID"]]], in: Self.hitsCollection)
                let counts = EngagementCounts(
                    unique: people.count,
                    total: try connection.countDocuments(filter: ["campaignID": id, "kind": name, "machine": false], in: Self.hitsCollection),
                    machine: try connection.countDocuments(filter: ["campaignID": id, "kind": name, "machine": true], in: Self.hitsCollection))
                if kind == .open { summary.opens = counts } else { summary.clicks = counts }
            }
            // Per URL: its clicks, and the distinct messages they came from (people).
            let grouped = try connection.aggregate(
                [
                    ["$match": ["campaignID": id, "kind": "click", "machine": false, "url": ["$exists": true]]],
                    ["$group": ["_id": "$url", "jobs": ["$addToSet": "$jobID"], "n": ["$sum": 1]]],
                ], in: Self.hitsCollection)
            summary.links = grouped.compactMap { row -> EngagementSummary.Link? in
                guard let url = row["_id"]?.stringValue else { return nil }
                return EngagementSummary.Link(url: url, unique: row["jobs"]?.arrayValue?.count ?? 0, total: row["n"]?.intValue ?? 0)
            }
            .sorted { ($0.unique, $0.total, $1.url) > ($1.unique, $1.total, $0.url) }
            .prefix(topLinks).map { $0 }
            return summary
        }
    }

    func count() async throws -> Int {
        try await database.run { connection in try connection.countDocuments(in: Self.hitsCollection) }
    }

    func lastEngagement(of contacts: [ContactID]) async throws -> [ContactID: ContactEngagement] {
        guard !contacts.isEmpty else { return [:] }
        let ids = BSON.array(contacts.map { .string($0.rawValue) })
        return try await database.run { connection in
            var found: [ContactID: ContactEngagement] = [:]
            // Newest first, so the first seen per contact and kind is the last one.
            for hit in try connection.find(
                ["contactID": ["$in": ids], "machine": false], in: Self.hitsCollection, sort: ["at": -1],
                projection: ["contactID": 1, "kind": 1, "at": 1])
            {
                guard let id = hit["contactID"]?.stringValue.map(ContactID.init(rawValue:)), let at = MongoEmailJobCoding.date(hit["at"]) else {
                    continue
                }
                switch EngagementHit.Kind(rawValue: hit["kind"]?.stringValue ?? "") {
                case .open where found[id]?.lastOpenedAt == nil: found[id, default: ContactEngagement()].lastOpenedAt = at
                case .click where found[id]?.lastClickedAt == nil: found[id, default: ContactEngagement()].lastClickedAt = at
                default: break
                }
            }
            for job in try connection.find(
                ["contactID": ["$in": ids], "status": .string(EmailJob.Status.sent.rawValue)], in: MongoDatabase.emailJobsCollection,
                sort: ["updatedAt": -1], projection: ["contactID": 1, "updatedAt": 1])
            {
                guard let id = job["contactID"]?.stringValue.map(ContactID.init(rawValue:)), found[id]?.lastSentAt == nil,
                    let at = MongoEmailJobCoding.date(job["updatedAt"])
                else { continue }
                found[id, default: ContactEngagement()].lastSentAt = at
            }
            return found
        }
    }
}

/// Secrets as documents of `server_secrets` (`_id` the name, `value` base64): upserted with
/// `$setOnInsert`, so the first process's value stays and every process reads it.
struct MongoServerSecrets: ServerSecrets {
    let database: MongoDatabase

    static let collection = "server_secrets"

    func secret(named name: String, generate: @Sendable () -> [UInt8]) async throws -> [UInt8] {
        let candidate = Data(generate()).base64EncodedString()
        let stored = try await database.run { connection in
            _ = try connection.updateOne(
                filter: ["_id": .string(name)], update: ["$setOnInsert": ["value": .string(candidate)]], in: Self.collection, upsert: true)
            return try connection.findOne(["_id": .string(name)], in: Self.collection)?["value"]?.stringValue
        }
        guard let stored, let bytes = Data(base64Encoded: stored) else {
            throw StoreError(.unavailable, "the server secret \(name) could not be read back")
        }
        return Array(bytes)
    }
}
