import CarteiroTesting
import MongoKit
import Testing

@Suite struct MongoClientPoolTests {
    @Test func malformedURIIsInvalidURI() {
        do {
            _ = try MongoClientPool(uri: "postgres://127.0.0.1:5432/db")
            Issue.record("a non-MongoDB URI was accepted")
        } catch {
            #expect(error.isInvalidURI)
            #expect(!error.isServerUnreachable)
        }
    }

    @Test func databaseNameComesFromURIPathOrDefaultsToCarteiro() throws {
        #expect(try MongoClientPool(uri: "mongodb://127.0.0.1:1/mail").databaseName == "mail")
        #expect(try MongoClientPool(uri: "mongodb://127.0.0.1:1").databaseName == "carteiro")
    }

    @Test func redactedURIMasksCredentials() throws {
        let pool = try MongoClientPool(uri: "mongodb://ana:s3cret@127.0.0.1:1/mail?authSource=admin&tlsCertificateKeyFilePassword=pw")
        #expect(!pool.redactedURI.contains("s3cret"))
        #expect(!pool.redactedURI.contains("ana"))
        #expect(!pool.redactedURI.contains("=pw"))
        #expect(pool.redactedURI.contains("***@127.0.0.1:1/mail?authSource=admin"))
    }

    @Test func pingAnswersFromARunningServer() async throws {
        try await withMongoPool { pool, _ in
            try await pool.ping(timeout: .seconds(5))
        }
    }

    @Test func pingToClosedPortFailsAsUnreachableWithinTheTimeout() async throws {
        let port = try freeLoopbackPort()
        let pool = try MongoClientPool(uri: "mongodb://127.0.0.1:\(port)/carteiro")
        let start = ContinuousClock.now
        do {
            try await pool.ping(timeout: .seconds(2))
            Issue.record("ping to a closed port succeeded")
        } catch {
            #expect(error.isServerUnreachable)
        }
        #expect(ContinuousClock.now - start < .seconds(4))
        await pool.close()
    }

    @Test func pingFailsByServerSelectionWhenTheURITimeoutIsShorter() async throws {
        let port = try freeLoopbackPort()
        let pool = try MongoClientPool(uri: "mongodb://127.0.0.1:\(port)/carteiro?serverSelectionTimeoutMS=500")
        let start = ContinuousClock.now
        do {
            try await pool.ping(timeout: .seconds(30))
            Issue.record("ping to a closed port succeeded")
        } catch {
            #expect(error.isServerUnreachable)
            #expect(!error.isTimeout, "libmongoc's own server selection error, not the caller's deadline: \(error)")
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        await pool.close()
    }

    @Test func closedPoolRefusesOperations() async throws {
        let pool = try MongoClientPool(uri: "mongodb://127.0.0.1:1/carteiro")
        await pool.close()
        do {
            _ = try await pool.withConnection { _ in 1 }
            Issue.record("a closed pool ran an operation")
        } catch let error as MongoError {
            #expect(error.isPoolClosed)
        }
    }
}
