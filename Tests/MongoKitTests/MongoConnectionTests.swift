import MongoKit
import Testing

@Suite struct MongoConnectionTests {
    @Test func duplicateKeyOnUniqueIndexIsDuplicateKey() async throws {
        try await withMongoPool { pool, _ in
            try await pool.withConnection { connection in
                try connection.createIndexes([MongoIndex(keys: ["email": 1], name: "email_unique", unique: true)], on: "users")
                try connection.insertOne(["email": "ana@example.org"], into: "users")
                do {
                    try connection.insertOne(["email": "ana@example.org"], into: "users")
                    Issue.record("a second insert of the same key succeeded")
                } catch let error as MongoError {
                    #expect(error.isDuplicateKey)
                    #expect(!error.isTransientTransactionError)
                }
                #expect(try connection.countDocuments(filter: ["email": "ana@example.org"], in: "users") == 1)
            }
        }
    }

    @Test func duplicateKeyInsideInsertManyIsDuplicateKey() async throws {
        try await withMongoPool { pool, _ in
            try await pool.withConnection { connection in
                try connection.createIndexes([MongoIndex(keys: ["email": 1], name: "email_unique", unique: true)], on: "users")
                do {
                    try connection.insertMany([["email": "a"], ["email": "b"], ["email": "a"]], into: "users")
                    Issue.record("insertMany with a repeated unique key succeeded")
                } catch let error as MongoError {
                    #expect(error.isDuplicateKey, "\(error)")
                }
                #expect(try connection.countDocuments(in: "users") == 2)
            }
        }
    }

    @Test func crudOperationsReportWhatTheyDid() async throws {
        try await withMongoPool { pool, _ in
            try await pool.withConnection { connection in
                let inserted = try connection.insertMany(
                    (0..<10).map { ["n": .int64(Int64($0)), "parity": $0 % 2 == 0 ? "even" : "odd"] }, into: "numbers")
                #expect(inserted == 10)

                let page = try connection.find(["parity": "even"], in: "numbers", sort: ["n": -1], limit: 2, skip: 1, projection: ["n": 1, "_id": 0])
                // nx-27017 returns int64 values that fit in 32 bits as int32 (MongoDB keeps int64),
                // so compare the numbers, not the BSON types.
                #expect(page.map(\.keys) == [["n"], ["n"]])
                #expect(page.compactMap { $0["n"]?.int64Value } == [6, 4])

                let updated = try connection.updateMany(filter: ["parity": "odd"], update: ["$set": ["seen": true]], in: "numbers")
                #expect(updated.matched == 5 && updated.modified == 5 && updated.upsertedID == nil)

                let upserted = try connection.updateOne(filter: ["n": 100], update: ["$set": ["parity": "even"]], in: "numbers", upsert: true)
                #expect(upserted.matched == 0)
                #expect(upserted.upsertedID != nil)

                let grouped = try connection.aggregate(
                    [["$match": ["parity": "odd"]], ["$group": ["_id": "$parity", "total": ["$sum": "$n"]]]], in: "numbers")
                #expect(grouped.first?["total"]?.int64Value == 25)

                let bulk = try connection.bulkWrite(
                    [
                        .insert(["n": 200]),
                        .updateOne(filter: ["n": 0], update: ["$set": ["zero": true]], upsert: false),
                        .updateMany(filter: ["n": ["$gte": 300]], update: ["$set": ["big": true]], upsert: true),
                        .deleteOne(filter: ["n": 1]),
                        .deleteMany(filter: ["parity": "odd"]),
                    ], in: "numbers", ordered: true)
                #expect(bulk.insertedCount == 1)
                #expect(bulk.matchedCount == 1)
                #expect(bulk.modifiedCount == 1)
                #expect(bulk.upsertedCount == 1)
                #expect(bulk.deletedCount == 5)

                #expect(try connection.deleteMany(filter: [:], in: "numbers") == 8)
                #expect(try connection.countDocuments(in: "numbers") == 0)
            }
        }
    }

    @Test func findOneAndUpdateReturnsTheNewOrOldDocument() async throws {
        try await withMongoPool { pool, _ in
            try await pool.withConnection { connection in
                try connection.insertOne(["_id": "job", "attempts": 0], into: "jobs")
                let after = try connection.findOneAndUpdate(filter: ["_id": "job"], update: ["$inc": ["attempts": 1]], in: "jobs")
                #expect(after?["attempts"]?.int64Value == 1)
                let before = try connection.findOneAndUpdate(filter: ["_id": "job"], update: ["$inc": ["attempts": 1]], in: "jobs", returnNew: false)
                #expect(before?["attempts"]?.int64Value == 1)
                let none = try connection.findOneAndUpdate(filter: ["_id": "missing"], update: ["$set": ["x": 1]], in: "jobs")
                #expect(none == nil)
                let created = try connection.findOneAndUpdate(filter: ["_id": "new"], update: ["$set": ["x": 1]], in: "jobs", upsert: true)
                #expect(created?["x"]?.int64Value == 1)
            }
        }
    }

    @Test func concurrentClaimersTakeEachDocumentExactlyOnce() async throws {
        try await withMongoPool { pool, _ in
            try await pool.withConnection { connection in
                _ = try connection.insertMany((0..<1_000).map { ["_id": .int64(Int64($0)), "claimedBy": .null, "claims": 0] }, into: "queue")
            }
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let document = try await pool.withConnection { connection in
                                try connection.findOneAndUpdate(
                                    filter: ["claimedBy": .null], update: ["$set": ["claimedBy": .int64(Int64(worker))], "$inc": ["claims": 1]],
                                    in: "queue", sort: ["_id": 1])
                            }
                            guard let id = document?["_id"]?.int64Value else { return mine }
                            mine.append(id)
                        }
                    }
                }
                var all: [Int64] = []
                for try await ids in group { all += ids }
                return all
            }
            #expect(claimed.count == 1_000)
            #expect(Set(claimed).count == 1_000)
            let twice = try await pool.withConnection { try $0.countDocuments(filter: ["claims": ["$ne": 1]], in: "queue") }
            #expect(twice == 0)
        }
    }
}
