import CarteiroDomain
import Foundation
import MongoKit

/// One document per relay for its latest probe (`_id` = relay) and one per relay and worker for
/// breakers. Times are epoch milliseconds as int64, as in `MongoEmailJobCoding`.
struct MongoRelayStateBoard: RelayStateBoard {
    let database: MongoDatabase

    func recordProbe(_ probe: RelayProbe) async throws {
        let at = MongoEmailJobCoding.milliseconds(probe.at)
        let update: BSONDocument = [
            "$set": [
                "worker": .string(probe.worker), "at": at,
                "failure": probe.failure.map(MongoEmailJobCoding.failureDocument) ?? .null,
            ]
        ]
        try await database.run { connection in
            do {
                _ = try connection.updateOne(
                    filter: ["_id": .string(probe.relay), "at": ["$lt": at]], update: update, in: MongoDatabase.relayProbesCollection,
                    upsert: true)
            } catch let error as MongoError where error.isDuplicateKey {
                // The filter missed because the stored probe is as new or newer, so the upsert
                // tried to insert a second document with this `_id`: the stored probe stands.
            }
        }
    }

    func recordBreaker(_ breaker: RelayBreakerRecord) async throws {
        let update: BSONDocument = [
            "$set": [
                "relay": .string(breaker.relay), "worker": .string(breaker.worker), "state": .string(breaker.state.rawValue),
                "openUntil": breaker.openUntil.map(MongoEmailJobCoding.milliseconds) ?? .null,
                "at": MongoEmailJobCoding.milliseconds(breaker.at),
            ]
        ]
        let id = BSON.string(breaker.relay + "\u{1F}" + breaker.worker)
        try await database.run { connection in
            _ = try connection.updateOne(filter: ["_id": id], update: update, in: MongoDatabase.relayBreakersCollection, upsert: true)
        }
    }

    func relayStates() async throws -> [RelayState] {
        let (probeDocuments, breakerDocuments) = try await database.run { connection in
            (
                try connection.find([:], in: MongoDatabase.relayProbesCollection),
                try connection.find([:], in: MongoDatabase.relayBreakersCollection)
            )
        }
        let probes = try probeDocuments.map { document in
            guard let relay = document["_id"]?.stringValue, let worker = document["worker"]?.stringValue,
                let at = MongoEmailJobCoding.date(document["at"])
            else { throw StoreError(.corrupt, "a relay probe document lacks a field: \(document)") }
            return RelayProbe(
                relay: relay, worker: worker, at: at, failure: document["failure"]?.documentValue.map(MongoEmailJobCoding.failure(from:)))
        }
        let breakers = try breakerDocuments.map { document in
            guard let relay = document["relay"]?.stringValue, let worker = document["worker"]?.stringValue,
                let state = document["state"]?.stringValue.flatMap(RelayBreakerRecord.State.init(rawValue:)),
                let at = MongoEmailJobCoding.date(document["at"])
            else { throw StoreError(.corrupt, "a relay breaker document lacks a field: \(document)") }
            return RelayBreakerRecord(relay: relay, worker: worker, state: state, openUntil: MongoEmailJobCoding.date(document["openUntil"]), at: at)
        }
        return RelayState.assemble(probes: probes, breakers: breakers)
    }
}
