import CarteiroDomain
import CarteiroTesting
import Foundation
import GRDB
import Testing

@testable import CarteiroStore

@Suite struct SQLiteAccessTokenMigrationTests {
    /// Tokens made before v8 have no expiry and no last use; they keep working after it.
    @Test func tokensMadeBeforeTheExpiryMigrationDoNotExpireAndWereNeverUsed() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/carteiro.sqlite"
        let old = try DatabaseQueue(path: path)
        try SQLiteSchema.makeMigrator().migrate(old, upTo: "v7: email job routes")
        let hash = String(repeating: "a", count: 64)
        try await old.write { db in
            try db.execute(
                sql: "INSERT INTO agent_tokens (id, name, scope, token_hash, revoked, created_at_ms) VALUES ('token-1', 'ana', 'agent', ?, 0, ?)",
                arguments: [hash, Int64(1_790_000_000_000)])
        }
        try old.close()

        let clock = ManualClock()
        let store = try SQLiteStore(configuration: .init(path: path), clock: clock)
        defer { Task { await store.close() } }
        let token = try #require(try await store.accessTokens.token(hash: hash))
        #expect(token.name == "ana")
        #expect(token.expiresAt == nil)
        #expect(token.lastUsedAt == nil)
        #expect(token.isActive(at: clock.now().addingTimeInterval(10 * 365 * 86_400)))
        #expect(try await store.accessTokens.recordUse(id: token.id, at: clock.now()))
        #expect(try await store.accessTokens.token(hash: hash)?.lastUsedAt == clock.now())
    }
}
