import CarteiroTesting
import MongoKit
import Testing

@Suite struct MongoChangeStreamTests {
    @Test func changeStreamSeesAnInsertWithinOneSecond() async throws {
        try await withMongoPool { pool, _ in
            try await pool.withConnection { _ = try $0.runCommand(["create": "events"]) }
            let (established, signal) = AsyncStream<Void>.makeStream()
            let events = pool.watch(collection: "events", maxAwait: .milliseconds(200)) {
                signal.yield()
                signal.finish()
            }
            let firstEvent = Task { () -> BSONDocument? in
                for try await event in events { return event }
                return nil
            }
            defer { firstEvent.cancel() }
            try await withTimeLimit(.seconds(10)) {
                for await _ in established { break }
            }

            let start = ContinuousClock.now
            _ = try await pool.withConnection { try $0.insertOne(["_id": "hello", "n": 1], into: "events") }
            let event = try await withTimeLimit(.seconds(5)) { try await firstEvent.value }
            #expect(ContinuousClock.now - start < .seconds(1))
            let change = try #require(event)
            #expect(change["operationType"] == "insert")
            #expect(change["fullDocument"]?.documentValue?["n"]?.int64Value == 1)
        }
    }

    @Test func changeStreamEndsWhenThePoolCloses() async throws {
        let server = try await MongoWireServer.start()
        defer { server.stop() }
        let pool = try MongoClientPool(uri: server.uri)
        let (established, signal) = AsyncStream<Void>.makeStream()
        let events = pool.watch(collection: "events", maxAwait: .milliseconds(200)) { signal.finish() }
        for await _ in established {}
        await pool.close()
        let ending = try await withTimeLimit(.seconds(3)) { () -> (any Error)? in
            do {
                for try await _ in events {}
                return nil
            } catch {
                return error
            }
        }
        #expect((ending as? MongoError)?.isPoolClosed == true)
    }

    @Test func changeStreamGivesItsClientBackSoonAfterTheConsumerStops() async throws {
        let server = try await MongoWireServer.start()
        defer { server.stop() }
        // One client in the pool: the next operation has to wait for the watcher's, and gives up
        // after 3 s rather than hanging if it never comes back.
        let pool = try MongoClientPool(uri: server.uri + "?maxPoolSize=1&waitQueueTimeoutMS=3000")
        let (established, signal) = AsyncStream<Void>.makeStream()
        let events = pool.watch(collection: "events", maxAwait: .milliseconds(200)) { signal.finish() }
        let consumer = Task {
            for try await _ in events {}
        }
        for await _ in established {}
        consumer.cancel()
        let start = ContinuousClock.now
        let pong = try await withTimeLimit(.seconds(5)) {
            try await pool.withConnection { try $0.runCommand(["ping": 1], database: "admin") }
        }
        #expect(pong["ok"]?.doubleValue == 1)
        #expect(ContinuousClock.now - start < .seconds(2))
        await pool.close()
    }
}
