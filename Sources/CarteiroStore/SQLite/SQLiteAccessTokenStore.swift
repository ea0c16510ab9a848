import CarteiroDomain
import Foundation
import GRDB

/// Access tokens (agent and admin API) as rows of `agent_tokens`; the unique index on the hash is the look-up path.
struct SQLiteAccessTokenStore: AccessTokenStore {
    let database: SQLiteDatabase

    func create(_ token: AccessToken) async throws {
        try await database.write { db in
            do {
                try db.execute(
                    sql: """
                        INSERT INTO agent_tokens (id, name, scope, token_hash, revoked, created_at_ms, expires_at_ms, last_used_at_ms)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        token.id.rawValue, token.name, token.scope.rawValue, token.tokenHash, token.revoked,
                        StoreCoding.milliseconds(token.createdAt), token.expiresAt.map(StoreCoding.milliseconds),
                        token.lastUsedAt.map(StoreCoding.milliseconds),
                    ])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StoreError(.duplicate, "an agent token with this hash or id already exists", field: "tokenHash")
            }
        }
    }

    func token(hash: String) async throws -> AccessToken? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM agent_tokens WHERE token_hash = ?", arguments: [hash.lowercased()]).map(Self.token(from:))
        }
    }

    func revoke(name: String) async throws -> Int {
        try await database.write { db in
            try db.execute(sql: "UPDATE agent_tokens SET revoked = 1 WHERE name = ? AND revoked = 0", arguments: [name])
            return db.changesCount
        }
    }

    func revoke(id: AccessTokenID) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "UPDATE agent_tokens SET revoked = 1 WHERE id = ? AND revoked = 0", arguments: [id.rawValue])
            return db.changesCount == 1
        }
    }

    func list() async throws -> [AccessToken] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM agent_tokens ORDER BY id").map(Self.token(from:))
        }
    }

    func recordUse(id: AccessTokenID, at: Date) async throws -> Bool {
        try await database.write { db in
            let milliseconds = StoreCoding.milliseconds(at)
            try db.execute(
                sql: "UPDATE agent_tokens SET last_used_at_ms = max(coalesce(last_used_at_ms, ?), ?) WHERE id = ?",
                arguments: [milliseconds, milliseconds, id.rawValue])
            return db.changesCount == 1
        }
    }

    private static func token(from row: Row) throws -> AccessToken {
        guard let scope = AccessToken.Scope(rawValue: row["scope"]) else {
            throw StoreError(.corrupt, "agent token \(row["id"] as String? ?? "?") has an unknown scope")
        }
        do {
            return try AccessToken(
                id: AccessTokenID(rawValue: row["id"]), name: row["name"], scope: scope, tokenHash: row["token_hash"], revoked: row["revoked"],
                createdAt: StoreCoding.date(milliseconds: row["created_at_ms"]),
                expiresAt: (row["expires_at_ms"] as Int64?).map(StoreCoding.date(milliseconds:)),
                lastUsedAt: (row["last_used_at_ms"] as Int64?).map(StoreCoding.date(milliseconds:)))
        } catch {
            throw StoreError(.corrupt, "a stored agent token is invalid: \(error)")
        }
    }
}
