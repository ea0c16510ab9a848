import MongoKit
import Testing

private struct Rollback: Error {}

@Suite struct MongoTransactionTests {
    // MongoDB sends a transaction's read concern with its first command. nx-27017 0.8.1 stores
    // that readConcern document as an extra document when the first command is an insert, so
    // these tests leave the read concern to the server (majority writes stay).
    private let concerns = MongoConcerns(writeConcern: .majority, readConcern: .serverDefault)

    @Test func throwingTransactionIsRolledBack() async throws {
        try await withMongoPool(concerns: concerns) { pool, _ in
            try await pool.withConnection { connection in
                _ = try connection.runCommand(["create": "ledger"])
                do {
                    try connection.withTransaction { session in
                        try connection.insertOne(["_id": "a", "amount": 10], into: "ledger", session: session)
                        _ = try connection.updateOne(filter: ["_id": "a"], update: ["$inc": ["amount": 5]], in: "ledger", session: session)
                        throw Rollback()
                    }
                    Issue.record("withTransaction swallowed the body's error")
                } catch is Rollback {}
                #expect(try connection.countDocuments(in: "ledger") == 0)
            }
        }
    }

    @Test func committedTransactionIsVisible() async throws {
        try await withMongoPool(concerns: concerns) { pool, _ in
            let total = try await pool.withConnection { connection in
                _ = try connection.runCommand(["create": "ledger"])
                return try connection.withTransaction { session in
                    try connection.insertOne(["_id": "a", "amount": 10], into: "ledger", session: session)
                    try connection.insertOne(["_id": "b", "amount": 20], into: "ledger", session: session)
                    return try connection.find([:], in: "ledger", session: session).compactMap { $0["amount"]?.int64Value }.reduce(0, +)
                }
            }
            #expect(total == 30)
            let visible = try await pool.withConnection { try $0.find([:], in: "ledger", sort: ["_id": 1]) }
            #expect(visible.map { $0["_id"] } == ["a", "b"])
        }
    }
}
