import CarteiroTesting
import MongoKit

/// Starts an nx-27017 server and a pool on its own database, lends both, then closes and stops them.
func withMongoPool<T>(
    threadCount: Int = 8, concerns: MongoConcerns = .majority, _ body: (MongoClientPool, MongoWireServer) async throws -> T
) async throws -> T {
    let server = try await MongoWireServer.start()
    defer { server.stop() }
    let pool = try MongoClientPool(uri: server.uri, threadCount: threadCount, concerns: concerns)
    do {
        let result = try await body(pool, server)
        await pool.close()
        return result
    } catch {
        await pool.close()
        throw error
    }
}

struct TimedOut: Error {}

/// Runs `body`, failing with `TimedOut` if it takes longer than `limit`.
func withTimeLimit<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimedOut()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
