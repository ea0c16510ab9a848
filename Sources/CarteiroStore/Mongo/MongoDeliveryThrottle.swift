import CarteiroDomain
import Foundation
import MongoKit

/// Per-domain allowances (`_id` = "domain|minute", a counter of messages taken) and connection
/// slots (`_id` = "domain|slot"). Every decision rests on a single-document atomic update, so
/// processes sharing the deployment need no transaction.
struct MongoDeliveryThrottle: DeliveryThrottle {
    let database: MongoDatabase

    func takeMessages(domain: String, count: Int, limitPerMinute: Int, now: Date) async throws -> Int {
        guard count > 0, limitPerMinute > 0 else { return 0 }
        let minute = DeliveryMinute(now)
        let id = BSON.string("\(domain)|\(minute.index)")
        let update: BSONDocument = [
            "$inc": ["used": .int64(Int64(count))],
            // A real date, for the TTL index: the document goes a minute after its minute ends.
            "$setOnInsert": ["domain": .string(domain), "minute": .int64(minute.index), "expireAt": .datetime(minute.end.addingTimeInterval(60))],
        ]
        return try await database.run { connection in
            let counter = try connection.findOneAndUpdate(
                filter: ["_id": id], update: update, in: MongoDatabase.deliveryRatesCollection, upsert: true, returnNew: true)
            guard let used = counter?["used"]?.int64Value else {
                throw StoreError(.corrupt, "the allowance of \(domain) came back without a count: \(String(describing: counter))")
            }
            // Taking first and giving back the excess keeps every step atomic: a caller's grant is
            // at most what was left before its own increment, so the grants never add up past the limit.
            let excess = min(Int64(count), used - Int64(limitPerMinute))
            guard excess > 0 else { return count }
            _ = try connection.updateOne(
                filter: ["_id": id], update: ["$inc": ["used": .int64(-excess)]], in: MongoDatabase.deliveryRatesCollection)
            return count - Int(excess)
        }
    }

    func acquireSlot(domain: String, maxParallel: Int, holder: String, expiresAt: Date, now: Date) async throws -> Int? {
        guard maxParallel > 0 else { return nil }
        let nowValue = MongoEmailJobCoding.milliseconds(now)
        let expiry = MongoEmailJobCoding.milliseconds(expiresAt)
        return try await database.run { connection in
            func takeIfFree(_ id: BSON) throws -> Bool {
                try connection.findOneAndUpdate(
                    filter: ["_id": id, "$or": [["holder": .null], ["expiresAt": ["$lte": nowValue]]]],
                    update: ["$set": ["holder": .string(holder), "expiresAt": expiry]], in: MongoDatabase.deliverySlotsCollection) != nil
            }
            for slot in 0..<maxParallel {
                let id = BSON.string("\(domain)|\(slot)")
                if try takeIfFree(id) { return slot }
                do {
                    try connection.insertOne(
                        ["_id": id, "domain": .string(domain), "slot": .int64(Int64(slot)), "holder": .string(holder), "expiresAt": expiry],
                        into: MongoDatabase.deliverySlotsCollection)
                    return slot
                } catch let error as MongoError where error.isDuplicateKey {
                    // Another process created the slot since the first look; it may already have let it go.
                    if try takeIfFree(id) { return slot }
                }
            }
            return nil
        }
    }

    func releaseSlot(domain: String, slot: Int, holder: String) async throws {
        try await database.run { connection in
            _ = try connection.updateOne(
                filter: ["_id": .string("\(domain)|\(slot)"), "holder": .string(holder)],
                update: ["$set": ["holder": .null]], in: MongoDatabase.deliverySlotsCollection)
        }
    }
}
