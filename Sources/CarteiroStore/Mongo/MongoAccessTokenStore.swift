import CarteiroDomain
import Foundation
import MongoKit

/// Access tokens (agent and admin API) as documents whose `_id` is the token id, with a unique
/// index on `tokenHash`. `createdAt`, `expiresAt` and `lastUsedAt` (the last two absent when
/// unset) are int64 epoch milliseconds, as everywhere the Mongo store keeps times itself.
struct MongoAccessTokenStore: AccessTokenStore {
    let database: MongoDatabase

    private static let collection = MongoDatabase.accessTokensCollection

    func create(_ token: AccessToken) async throws {
        var document: BSONDocument = [
            "_id": .string(token.id.rawValue), "name": .string(token.name), "scope": .string(token.scope.rawValue),
            "tokenHash": .string(token.tokenHash), "revoked": .bool(token.revoked), "createdAt": MongoEmailJobCoding.milliseconds(token.createdAt),
        ]
        if let expiresAt = token.expiresAt { document["expiresAt"] = MongoEmailJobCoding.milliseconds(expiresAt) }
        if let lastUsedAt = token.lastUsedAt { document["lastUsedAt"] = MongoEmailJobCoding.milliseconds(lastUsedAt) }
        let inserted = document
        do {
            _ = try await database.run { connection in try connection.insertOne(inserted, into: Self.collection) }
        } catch let error as StoreError where error.isDuplicate {
            throw StoreError(.duplicate, "an agent token with this hash or id already exists", field: "tokenHash")
        }
    }

    func token(hash: String) async throws -> AccessToken? {
        let hash = hash.lowercased()
        return try await database.run { connection in
            try connection.findOne(["tokenHash": .string(hash)], in: Self.collection).map(Self.token(from:))
        }
    }

    func revoke(name: String) async throws -> Int {
        try await database.run { connection in
            try connection.updateMany(
                filter: ["name": .string(name), "revoked": false], update: ["$set": ["revoked": true]], in: Self.collection
            ).modified
        }
    }

    func revoke(id: AccessTokenID) async throws -> Bool {
        try await database.run { connection in
            let result = try connection.updateOne(
                filter: ["_id": .string(id.rawValue), "revoked": false], update: ["$set": ["revoked": true]], in: Self.collection)
            return result.modified == 1
        }
    }

    func list() async throws -> [AccessToken] {
        try await database.run { connection in
            try connection.find([:], in: Self.collection, sort: ["_id": 1]).map(Self.token(from:))
        }
    }

    func recordUse(id: AccessTokenID, at: Date) async throws -> Bool {
        try await database.run { connection in
            // `$max` sets a missing field and never moves it back: two processes recording at once
            // leave the later time.
            try connection.updateOne(
                filter: ["_id": .string(id.rawValue)], update: ["$max": ["lastUsedAt": MongoEmailJobCoding.milliseconds(at)]], in: Self.collection
            ).matched == 1
        }
    }

    /// nx-27017 deviation: a boolean written by `$set` reads back as another type (as `$set` dates
    /// read back as strings); MongoDB keeps it a boolean. Any true-ish value counts.
    private static func flag(_ value: BSON?) -> Bool {
        if let bool = value?.boolValue { return bool }
        if let number = value?.int64Value { return number != 0 }
        if let text = value?.stringValue { return text.lowercased() == "true" || text == "1" }
        return false
    }

    private static func token(from document: BSONDocument) throws -> AccessToken {
        guard let id = document["_id"]?.stringValue, let name = document["name"]?.stringValue,
            let scope = document["scope"]?.stringValue.flatMap(AccessToken.Scope.init(rawValue:)), let hash = document["tokenHash"]?.stringValue,
            let createdAt = MongoEmailJobCoding.date(document["createdAt"])
        else { throw StoreError(.corrupt, "an agent token document lacks a field: \(document)") }
        do {
            return try AccessToken(
                id: AccessTokenID(rawValue: id), name: name, scope: scope, tokenHash: hash, revoked: Self.flag(document["revoked"]),
                createdAt: createdAt, expiresAt: MongoEmailJobCoding.date(document["expiresAt"]),
                lastUsedAt: MongoEmailJobCoding.date(document["lastUsedAt"]))
        } catch {
            throw StoreError(.corrupt, "a stored agent token is invalid: \(error)")
        }
    }
}
