import CarteiroTesting
import Foundation
import MongoKit
import Testing

@Suite struct BSONRoundTripTests {
    @Test func everyValueTypeSurvivesInsertAndFind() async throws {
        let date = Date(timeIntervalSince1970: 1_700_000_000.123)
        let id = BSONObjectID()
        let original: BSONDocument = [
            "_id": .objectID(id),
            "double": .double(3.25),
            "string": "héllo wörld ✉️",
            "emptyString": "",
            // nx-27017 reads int64 values that fit in 32 bits back as int32 (MongoDB keeps the
            // type), so the int64 values here are all wider than 32 bits.
            "document": ["inner": .int32(7), "deeper": ["list": [.int64(1 << 40), "two", .null]]],
            "array": [.int64(-(1 << 33)), .double(2.5), "three", .bool(false), ["k": "v"], [.int32(1), .int32(2)]],
            "emptyArray": .array([]),
            "binary": .binary([0, 1, 2, 254, 255]),
            "emptyBinary": .binary([]),
            "objectID": .objectID(BSONObjectID()),
            "bool": true,
            "datetime": .datetime(date),
            "null": .null,
            "int32": .int32(-2_147_483_648),
            "int64": .int64(9_007_199_254_740_993),
        ]

        let found = try await withMongoPool { pool, _ in
            try await pool.withConnection { connection in
                // Not "values": nx-27017 0.8.1 puts collection names into SQL unquoted, and a
                // collection named "values" fails with `near "values": syntax error`.
                try connection.insertOne(original, into: "samples")
                return try connection.findOne(["_id": .objectID(id)], in: "samples")
            }
        }

        let document = try #require(found)
        #expect(document.keys == original.keys)
        #expect(document == original)
        #expect(document["datetime"]?.dateValue.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } == 1_700_000_000_123)
    }

    @Test func documentKeepsKeyOrderAndRemovesKeysSetToNil() {
        var document: BSONDocument = ["b": 1, "a": 2, "c": 3]
        document["a"] = nil
        document["d"] = 4
        document["b"] = 5
        #expect(document.keys == ["b", "c", "d"])
        #expect(document["b"] == .int64(5))
        #expect(document.count == 3)
    }

    @Test func numericAccessorsConvertOnlyWithoutLoss() {
        #expect(BSON.int32(5).int64Value == 5)
        #expect(BSON.double(6).int64Value == 6)
        #expect(BSON.double(6.5).int64Value == nil)
        #expect(BSON.string("7").int64Value == nil)
        #expect(BSON.int64(8).doubleValue == 8)
    }

    @Test func objectIDRoundTripsThroughHex() throws {
        let id = BSONObjectID()
        #expect(id.hex.count == 24)
        #expect(BSONObjectID(hex: id.hex) == id)
        #expect(BSONObjectID(hex: "not hex") == nil)
        #expect(BSONObjectID() != id)
    }
}
