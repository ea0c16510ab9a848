import CarteiroDomain
import Foundation
import GRDB

/// The latest probe per relay and each worker's breaker per relay, as two small tables.
struct SQLiteRelayStateBoard: RelayStateBoard {
    let database: SQLiteDatabase

    func recordProbe(_ probe: RelayProbe) async throws {
        let failure = try probe.failure.map { try StoreCoding.makeEncoder().encode($0) }
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO relay_probes (relay, worker, at_ms, failure) VALUES (?, ?, ?, ?)
                    ON CONFLICT (relay) DO UPDATE SET worker = excluded.worker, at_ms = excluded.at_ms, failure = excluded.failure
                    WHERE excluded.at_ms > relay_probes.at_ms
                    """,
                arguments: [probe.relay, probe.worker, StoreCoding.milliseconds(probe.at), failure])
        }
    }

    func recordBreaker(_ breaker: RelayBreakerRecord) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO relay_breakers (relay, worker, state, open_until_ms, at_ms) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (relay, worker) DO UPDATE SET state = excluded.state, open_until_ms = excluded.open_until_ms,
                        at_ms = excluded.at_ms
                    """,
                arguments: [
                    breaker.relay, breaker.worker, breaker.state.rawValue, breaker.openUntil.map(StoreCoding.milliseconds),
                    StoreCoding.milliseconds(breaker.at),
                ])
        }
    }

    func relayStates() async throws -> [RelayState] {
        try await database.read { db in
            let decoder = StoreCoding.makeDecoder()
            let probes = try Row.fetchAll(db, sql: "SELECT relay, worker, at_ms, failure FROM relay_probes").map { row in
                RelayProbe(
                    relay: row["relay"], worker: row["worker"], at: StoreCoding.date(milliseconds: row["at_ms"]),
                    failure: try (row["failure"] as Data?).map { try decoder.decode(DeliveryFailure.self, from: $0) })
            }
            let breakers = try Row.fetchAll(db, sql: "SELECT relay, worker, state, open_until_ms, at_ms FROM relay_breakers").map { row in
                guard let state = RelayBreakerRecord.State(rawValue: row["state"]) else {
                    throw StoreError(.corrupt, "relay \(row["relay"] as String) has an unknown breaker state")
                }
                return RelayBreakerRecord(
                    relay: row["relay"], worker: row["worker"], state: state,
                    openUntil: (row["open_until_ms"] as Int64?).map(StoreCoding.date(milliseconds:)),
                    at: StoreCoding.date(milliseconds: row["at_ms"]))
            }
            return RelayState.assemble(probes: probes, breakers: breakers)
        }
    }
}
