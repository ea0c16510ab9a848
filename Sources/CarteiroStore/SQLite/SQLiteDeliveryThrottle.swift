import CarteiroDomain
import Foundation
import GRDB

/// Per-domain allowances and connection slots. Each call is one IMMEDIATE transaction: the
/// read-then-write holds SQLite's write lock, so processes sharing the file cannot interleave.
struct SQLiteDeliveryThrottle: DeliveryThrottle {
    let database: SQLiteDatabase

    func takeMessages(domain: String, count: Int, limitPerMinute: Int, now: Date) async throws -> Int {
        guard count > 0, limitPerMinute > 0 else { return 0 }
        let minute = DeliveryMinute(now).index
        return try await database.write { db in
            // Past minutes are never read again; the one before this is kept for a clock slightly behind.
            try db.execute(sql: "DELETE FROM delivery_rates WHERE minute < ?", arguments: [minute - 1])
            let used =
                try Int.fetchOne(
                    db, sql: "SELECT used FROM delivery_rates WHERE minute = ? AND domain = ?", arguments: [minute, domain]) ?? 0
            let granted = max(0, min(count, limitPerMinute - used))
            if granted > 0 {
                try db.execute(
                    sql: """
                        INSERT INTO delivery_rates (minute, domain, used) VALUES (?, ?, ?)
                        ON CONFLICT (minute, domain) DO UPDATE SET used = used + excluded.used
                        """,
                    arguments: [minute, domain, granted])
            }
            return granted
        }
    }

    func acquireSlot(domain: String, maxParallel: Int, holder: String, expiresAt: Date, now: Date) async throws -> Int? {
        guard maxParallel > 0 else { return nil }
        let nowMilliseconds = StoreCoding.milliseconds(now)
        let expiry = StoreCoding.milliseconds(expiresAt)
        return try await database.write { db in
            let taken = try Set(
                Int.fetchAll(
                    db,
                    sql: """
                        SELECT slot FROM delivery_slots
                        WHERE domain = ? AND slot < ? AND holder IS NOT NULL AND expires_at_ms > ?
                        """,
                    arguments: [domain, maxParallel, nowMilliseconds]))
            guard let slot = (0..<maxParallel).first(where: { !taken.contains($0) }) else { return nil }
            try db.execute(
                sql: """
                    INSERT INTO delivery_slots (domain, slot, holder, expires_at_ms) VALUES (?, ?, ?, ?)
                    ON CONFLICT (domain, slot) DO UPDATE SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms
                    """,
                arguments: [domain, slot, holder, expiry])
            return slot
        }
    }

    func releaseSlot(domain: String, slot: Int, holder: String) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE delivery_slots SET holder = NULL, expires_at_ms = NULL WHERE domain = ? AND slot = ? AND holder = ?",
                arguments: [domain, slot, holder])
        }
    }
}
