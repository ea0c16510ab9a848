import CarteiroDomain
import Foundation
import MongoKit

/// Email jobs as documents. A batch claim picks candidate ids, then stamps them with a fresh
/// lease token in one `updateMany` whose filter re-checks claimability per document (each
/// document update is atomic), then reads back exactly the documents carrying that token: two
/// claimers racing for the same candidates each get a disjoint share.
struct MongoEmailJobQueue: EmailJobQueue {
    let database: MongoDatabase
    let clock: any WallClock

    private var collection: String { MongoDatabase.emailJobsCollection }

    func enqueue(_ jobs: [EmailJob], events: [DomainEvent]) async throws -> EnqueueResult {
        guard !jobs.isEmpty else { return EnqueueResult(inserted: 0, duplicates: 0) }
        let documents = try jobs.map(MongoEmailJobCoding.document(for:))
        let collection = self.collection
        return try await database.write(appendsEvents: !events.isEmpty) { connection, session in
            // Unordered inserts, one by one on a duplicate, so one recipient already in the send
            // does not stop the rest of the batch.
            var inserted = 0
            do {
                inserted = try connection.insertMany(documents, into: collection, ordered: false, session: session)
            } catch let error as MongoError where error.isDuplicateKey && session == nil {
                inserted = Int(error.reply?["nInserted"]?.int64Value ?? -1)
                if inserted < 0 {
                    let ids = documents.compactMap { $0["_id"] }
                    inserted = try connection.countDocuments(filter: ["_id": ["$in": .array(ids)]], in: collection)
                }
            }
            _ = try MongoEventLog.append(events, connection: connection, session: session)
            return EnqueueResult(inserted: inserted, duplicates: jobs.count - inserted)
        }
    }

    func claim(_ request: ClaimRequest) async throws -> [EmailJob] {
        guard request.limit > 0 else { return [] }
        let token = UUID().uuidString
        let now = MongoEmailJobCoding.milliseconds(request.now)
        let priorities = BSON.array(request.streams.map { .int64(Int64($0.priority)) })
        let collection = self.collection
        var expired: BSONDocument = ["status": "leased", "lease.expiresAt": ["$lte": now], "streamPriority": ["$in": priorities]]
        // A claimer serving routes takes jobs of those routes and jobs without one (`null` also
        // matches a missing field).
        let routeFilter: BSON? = request.routes.map { routes in
            ["$in": .array([.null] + routes.map { .string($0) })]
        }
        if let routeFilter { expired["route"] = routeFilter }
        let expiredFilter = expired
        return try await database.run { connection in
            var candidates = try connection.find(
                expiredFilter, in: collection, sort: ["lease.expiresAt": 1], limit: request.limit, projection: ["_id": 1]
            ).compactMap { $0["_id"] }
            for stream in request.streams where candidates.count < request.limit {
                var due: BSONDocument = [
                    "status": ["$in": ["queued", "retry_scheduled"]], "streamPriority": .int64(Int64(stream.priority)), "dueAt": ["$lte": now],
                ]
                if let routeFilter { due["route"] = routeFilter }
                candidates += try connection.find(
                    due, in: collection, sort: ["dueAt": 1], limit: request.limit - candidates.count, projection: ["_id": 1]
                ).compactMap { $0["_id"] }
            }
            guard !candidates.isEmpty else { return [] }
            _ = try connection.updateMany(
                filter: [
                    "_id": ["$in": .array(candidates)],
                    "$or": [
                        ["status": ["$in": ["queued", "retry_scheduled"]], "dueAt": ["$lte": now]],
                        ["status": "leased", "lease.expiresAt": ["$lte": now]],
                    ],
                ],
                update: [
                    "$set": [
                        "status": "leased",
                        "lease": MongoEmailJobCoding.leaseDocument(Lease(owner: request.owner, token: token, expiresAt: request.leaseExpiry)),
                        "updatedAt": now,
                    ],
                    "$inc": ["attempts": 1],
                ], in: collection)
            return try connection.find(["lease.token": .string(token)], in: collection, sort: ["streamPriority": 1, "dueAt": 1])
                .map(MongoEmailJobCoding.job(from:))
        }
    }

    func record(_ outcomes: [EmailJobOutcome], at now: Date) async throws -> RecordResult {
        guard !outcomes.isEmpty else { return RecordResult(accepted: [], stale: []) }
        let collection = self.collection
        let nowValue = MongoEmailJobCoding.milliseconds(now)
        // Marks the documents this call changed, to tell accepted outcomes from stale ones.
        let recordID = BSON.string(UUID().uuidString)
        let models: [MongoWriteModel] = outcomes.map { outcome in
            var set: BSONDocument = ["status": .string(outcome.newStatus.rawValue), "updatedAt": nowValue, "recordedBy": recordID]
            var increment: Int64 = 0
            switch outcome.result {
            case .sent(let relay):
                set["relay"] = .string(relay)
            case .retry(let at, let relay, let failure):
                if let relay { set["relay"] = .string(relay) }
                set["lastError"] = MongoEmailJobCoding.failureDocument(failure)
                set["dueAt"] = MongoEmailJobCoding.milliseconds(at)
            case .failed(let relay, let failure):
                if let relay { set["relay"] = .string(relay) }
                set["lastError"] = MongoEmailJobCoding.failureDocument(failure)
            case .released:
                set["dueAt"] = nowValue
                increment = -1
            case .deferred(let until):
                set["dueAt"] = MongoEmailJobCoding.milliseconds(until)
                increment = -1
            case .cancelled(let reason):
                set["lastError"] = MongoEmailJobCoding.failureDocument(DeliveryFailure(text: reason))
                increment = -1
            }
            var update: BSONDocument = ["$set": .document(set), "$unset": ["lease": ""]]
            if increment != 0 { update["$inc"] = ["attempts": .int64(increment)] }
            return .updateOne(
                filter: ["_id": .string(outcome.jobID.rawValue), "status": "leased", "lease.token": .string(outcome.leaseToken)],
                update: update, upsert: false)
        }
        return try await database.write(appendsEvents: true) { connection, session in
            _ = try connection.bulkWrite(models, in: collection, ordered: false, session: session)
            let ids = BSON.array(outcomes.map { .string($0.jobID.rawValue) })
            let documents = try connection.find(["_id": ["$in": ids]], in: collection, session: session)
            let byID = Dictionary(documents.compactMap { doc in doc["_id"]?.stringValue.map { ($0, doc) } }, uniquingKeysWith: { a, _ in a })
            var accepted: [EmailJobID] = []
            var stale: [EmailJobID] = []
            var events: [DomainEvent] = []
            for outcome in outcomes {
                guard let document = byID[outcome.jobID.rawValue], document["recordedBy"] == recordID else {
                    stale.append(outcome.jobID)
                    continue
                }
                accepted.append(outcome.jobID)
                let job = try MongoEmailJobCoding.job(from: document)
                switch outcome.result {
                case .sent(let relay):
                    events.append(
                        DomainEvent(
                            occurredAt: now,
                            payload: .emailSent(
                                .init(
                                    jobID: job.id, sendID: job.sendID, campaignID: job.campaignID, contactID: job.contactID, recipient: job.recipient,
                                    relay: relay))))
                case .failed(_, let failure):
                    events.append(
                        DomainEvent(
                            occurredAt: now,
                            payload: .emailFailed(
                                .init(
                                    jobID: job.id, sendID: job.sendID, campaignID: job.campaignID, contactID: job.contactID, recipient: job.recipient,
                                    failure: failure, attempts: job.attempts))))
                case .retry, .released, .deferred, .cancelled: break
                }
            }
            _ = try MongoEventLog.append(events, connection: connection, session: session)
            return RecordResult(accepted: accepted, stale: stale)
        }
    }

    /// One `updateMany` whose filter pairs each id with its token (grouped by token: a worker's
    /// leases share the token of the claim that took them), so each document is extended, or not,
    /// atomically on its own. `$max` never shortens a lease. When fewer documents matched than
    /// were asked for, the leases are read back to tell which ones are stale: a job its holder
    /// recorded in between reads as stale, which that holder, done with it, does not mind; a
    /// lease not extended never reads as renewed, since no later claim reuses its token.
    func renewLeases(_ leases: [HeldLease], until: Date, at now: Date) async throws -> RenewResult {
        guard !leases.isEmpty else { return RenewResult(renewed: [], stale: []) }
        let collection = self.collection
        var idsByToken: [String: [BSON]] = [:]
        for lease in leases { idsByToken[lease.token, default: []].append(.string(lease.jobID.rawValue)) }
        let held: BSON = .array(
            idsByToken.sorted { $0.key < $1.key }.map { token, ids in ["lease.token": .string(token), "_id": ["$in": .array(ids)]] })
        let update: BSONDocument = [
            "$max": ["lease.expiresAt": MongoEmailJobCoding.milliseconds(until)], "$set": ["updatedAt": MongoEmailJobCoding.milliseconds(now)],
        ]
        let current = try await database.run { connection -> Set<HeldLease>? in
            let matched = try connection.updateMany(filter: ["status": "leased", "$or": held], update: update, in: collection).matched
            // Every id appears once per token, so a full match means every lease was renewed.
            guard matched < leases.count else { return nil }
            let documents = try connection.find(
                ["_id": ["$in": .array(leases.map { .string($0.jobID.rawValue) })], "status": "leased"], in: collection,
                // The whole lease, not "lease.token": nx-27017 returns a dotted projection as a
                // top-level "lease.token" field where MongoDB nests it.
                projection: ["lease": 1])
            return Set(
                documents.compactMap { document in
                    guard let id = document["_id"]?.stringValue, let token = document["lease"]?.documentValue?["token"]?.stringValue else {
                        return nil
                    }
                    return HeldLease(jobID: EmailJobID(rawValue: id), token: token)
                })
        }
        guard let current else { return RenewResult(renewed: leases.map(\.jobID), stale: []) }
        var result = RenewResult(renewed: [], stale: [])
        for lease in leases {
            if current.contains(lease) { result.renewed.append(lease.jobID) } else { result.stale.append(lease.jobID) }
        }
        return result
    }

    func get(_ id: EmailJobID) async throws -> EmailJob? {
        let collection = self.collection
        return try await database.run { connection in
            try connection.findOne(["_id": .string(id.rawValue)], in: collection).map(MongoEmailJobCoding.job(from:))
        }
    }

    func hold(sendID: SendID, at now: Date) async throws -> Int {
        try await setStatus(of: sendID, from: [.queued, .retryScheduled], at: now) { _ in .held }
    }

    func release(sendID: SendID, at now: Date) async throws -> Int {
        try await setStatus(of: sendID, from: [.held], at: now) { attempted in attempted ? .retryScheduled : .queued }
    }

    func cancel(sendID: SendID, at now: Date) async throws -> Int {
        try await setStatus(of: sendID, from: [.queued, .retryScheduled, .held], at: now) { _ in .cancelled }
    }

    func cancelBulk(to recipient: EmailAddress, at now: Date) async throws -> Int {
        let collection = self.collection
        return try await database.run { connection in
            try connection.updateMany(
                filter: [
                    "recipientKey": .string(recipient.canonical), "streamPriority": .int64(Int64(MailStream.bulk.priority)),
                    "status": ["$in": .array([EmailJob.Status.queued, .retryScheduled, .held].map { .string($0.rawValue) })],
                ],
                update: ["$set": ["status": .string(EmailJob.Status.cancelled.rawValue), "updatedAt": MongoEmailJobCoding.milliseconds(now)]],
                in: collection
            ).modified
        }
    }

    func deliveryBreakdown(sendID: SendID) async throws -> DeliveryBreakdown {
        let collection = self.collection
        let send = BSON.string(sendID.rawValue)
        return try await database.run { connection in
            var breakdown = DeliveryBreakdown()
            for (status, isSent) in [(EmailJob.Status.sent, true), (.failed, false)] {
                for row in try connection.aggregate(
                    [
                        ["$match": ["sendID": send, "status": .string(status.rawValue), "relay": ["$exists": true]]],
                        ["$group": ["_id": "$relay", "n": ["$sum": 1]]],
                    ], in: collection)
                {
                    guard let relay = row["_id"]?.stringValue else { continue }
                    let count = row["n"]?.intValue ?? 0
                    if isSent { breakdown.relays[relay, default: .init()].sent = count } else { breakdown.relays[relay, default: .init()].failed = count }
                }
            }
            for job in try connection.find(
                ["sendID": send, "status": .string(EmailJob.Status.failed.rawValue)], in: collection, projection: ["lastError": 1])
            {
                let failure = job["lastError"]?.documentValue.map(MongoEmailJobCoding.failure(from:))
                breakdown.failures[failure?.reason ?? "no reply", default: 0] += 1
            }
            for row in try connection.aggregate(
                [
                    ["$match": ["sendID": send, "status": .string(EmailJob.Status.sent.rawValue)]],
                    ["$group": ["_id": ["$subtract": ["$updatedAt", ["$mod": ["$updatedAt", .int64(3_600_000)]]]], "n": ["$sum": 1]]],
                ], in: collection)
            {
                guard let start = row["_id"].flatMap(Self.milliseconds) else { continue }
                breakdown.sentPerHour[Date(timeIntervalSince1970: TimeInterval(start) / 1_000)] = row["n"]?.intValue ?? 0
            }
            return breakdown
        }
    }

    func sentCounts(from: Date, to: Date) async throws -> [MailStream: Int] {
        let collection = self.collection
        return try await database.run { connection in
            var counts: [MailStream: Int] = [:]
            for stream in MailStream.allCases {
                let count = try connection.countDocuments(
                    filter: [
                        "status": .string(EmailJob.Status.sent.rawValue), "streamPriority": .int64(Int64(stream.priority)),
                        "updatedAt": ["$gte": MongoEmailJobCoding.milliseconds(from), "$lt": MongoEmailJobCoding.milliseconds(to)],
                    ], in: collection)
                if count > 0 { counts[stream] = count }
            }
            return counts
        }
    }

    /// A whole number of milliseconds, however the server typed it (`$subtract` may give a double).
    private static func milliseconds(_ value: BSON) -> Int64? {
        if let integer = value.int64Value { return integer }
        if let number = value.doubleValue { return Int64(number) }
        return value.intValue.map(Int64.init)
    }

    /// Moves the send's jobs in `statuses` to `next(attempted)`: two updates, for jobs never
    /// attempted and for the others.
    private func setStatus(
        of sendID: SendID, from statuses: [EmailJob.Status], at now: Date, to next: @escaping @Sendable (Bool) -> EmailJob.Status
    ) async throws
        -> Int
    {
        let collection = self.collection
        return try await database.run { connection in
            var changed = 0
            for attempted in [false, true] {
                let filter: BSONDocument = [
                    "sendID": .string(sendID.rawValue), "status": ["$in": .array(statuses.map { .string($0.rawValue) })],
                    "attempts": attempted ? ["$gt": .int64(0)] : .int64(0),
                ]
                changed += try connection.updateMany(filter: filter, update: ["$set": ["status": .string(next(attempted).rawValue), "updatedAt": MongoEmailJobCoding.milliseconds(now)]], in: collection).modified
            }
            return changed
        }
    }

    func statusCounts(sendID: SendID?) async throws -> [EmailJob.Status: Int] {
        let collection = self.collection
        return try await database.run { connection in
            var pipeline: [BSONDocument] = []
            if let sendID { pipeline.append(["$match": ["sendID": .string(sendID.rawValue)]]) }
            pipeline.append(["$group": ["_id": "$status", "n": ["$sum": 1]]])
            var counts: [EmailJob.Status: Int] = [:]
            for document in try connection.aggregate(pipeline, in: collection) {
                if let status = document["_id"]?.stringValue.flatMap(EmailJob.Status.init(rawValue:)) {
                    counts[status] = Int(document["n"]?.int64Value ?? 0)
                }
            }
            return counts
        }
    }

    /// Per stream, a count on the `due` index and the oldest creation time from the `waiting_age` index.
    func streamStats() async throws -> [MailStream: StreamStats] {
        let collection = self.collection
        return try await database.run { connection in
            var stats: [MailStream: StreamStats] = [:]
            for stream in MailStream.allCases {
                let filter: BSONDocument = [
                    "status": ["$in": ["queued", "retry_scheduled"]], "streamPriority": .int64(Int64(stream.priority)),
                ]
                let waiting = try connection.countDocuments(filter: filter, in: collection)
                let oldest =
                    waiting == 0
                    ? nil : try connection.findOne(filter, in: collection, sort: ["createdAt": 1], projection: ["createdAt": 1])
                stats[stream] = StreamStats(waiting: waiting, oldestQueuedAt: MongoEmailJobCoding.date(oldest?["createdAt"]))
            }
            return stats
        }
    }

    func jobs(sendID: SendID, page: PageRequest) async throws -> Page<EmailJob> {
        let collection = self.collection
        var query: BSONDocument = ["sendID": .string(sendID.rawValue)]
        if let cursor = page.cursor { query["_id"] = ["$gt": .string(cursor)] }
        let filter = query
        return try await database.run { connection in
            let documents = try connection.find(filter, in: collection, sort: ["_id": 1], limit: page.limit + 1)
            let items = try documents.prefix(page.limit).map(MongoEmailJobCoding.job(from:))
            return Page(items: items, nextCursor: documents.count > page.limit ? items.last?.id.rawValue : nil)
        }
    }
}
