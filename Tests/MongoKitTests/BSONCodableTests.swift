import Foundation
import MongoKit
import Testing

private struct Mailbox: Codable, Equatable {
    enum Status: String, Codable {
        case active, suspended
    }

    struct Quota: Codable, Equatable {
        var bytes: Int
        var warnAt: Double?
    }

    var id: UUID
    var address: String
    var createdAt: Date
    var status: Status
    var nickname: String?
    var signature: String?
    var quota: Quota
    var aliases: [String]
    var history: [Quota]
    var counters: [String: Int]
    var avatar: Data?
}

@Suite struct BSONCodableTests {
    private let mailbox = Mailbox(
        id: UUID(),
        address: "ana@example.org",
        createdAt: Date(timeIntervalSince1970: 1_700_000_000.456),
        status: .suspended,
        nickname: nil,
        signature: "— Ana",
        quota: .init(bytes: 1 << 40, warnAt: 0.9),
        aliases: ["a@example.org", "ana.b@example.org"],
        history: [.init(bytes: 1, warnAt: nil), .init(bytes: 2, warnAt: 0.5)],
        counters: ["sent": 3, "received": 12],
        avatar: Data([1, 2, 3])
    )

    @Test func encodesFoundationTypesAsBSONTypesAndOmitsNil() throws {
        let document = try BSONEncoder().encode(mailbox)
        #expect(document["id"] == .string(mailbox.id.uuidString))
        #expect(document["createdAt"] == .datetime(mailbox.createdAt))
        #expect(document["status"] == "suspended")
        #expect(document["nickname"] == nil)
        #expect(document["quota"]?.documentValue?["bytes"] == .int64(1 << 40))
        #expect(document["counters"]?.documentValue?["sent"] == .int64(3))
        #expect(document["avatar"] == .binary([1, 2, 3]))
        #expect(document.keys.first == "id")
    }

    @Test func decodesWhatItEncoded() throws {
        let document = try BSONEncoder().encode(mailbox)
        let decoded = try BSONDecoder().decode(Mailbox.self, from: document)
        #expect(decoded == mailbox)
    }

    @Test func decodesNestedValuesReadBackFromTheServer() async throws {
        let encoded = try BSONEncoder().encode(mailbox)
        let found = try await withMongoPool { pool, _ in
            try await pool.withConnection { connection in
                try connection.insertOne(encoded, into: "mailboxes")
                return try connection.findOne(["address": "ana@example.org"], in: "mailboxes")
            }
        }
        let document = try #require(found)
        #expect(try BSONDecoder().decode(Mailbox.self, from: document) == mailbox)
    }

    @Test func decodesAnyLosslessNumberWidthAndMissingKeysAsNil() throws {
        struct Numbers: Decodable {
            var a: Int
            var b: Int32
            var c: Double
            var d: Int?
            var e: Double?
        }
        let numbers = try BSONDecoder().decode(Numbers.self, from: ["a": .int32(1), "b": .double(2), "c": .int64(3), "e": .null])
        #expect(numbers.a == 1 && numbers.b == 2 && numbers.c == 3 && numbers.d == nil && numbers.e == nil)
        #expect(throws: DecodingError.self) {
            try BSONDecoder().decode(Numbers.self, from: ["a": .double(1.5), "b": 2, "c": 3])
        }
    }

    @Test func encodesManySmallStructsQuickly() throws {
        struct Event: Codable {
            var id: Int
            var kind: String
            var at: Date
            var score: Double
            var tag: String?
        }
        let events = (0..<100_000).map { Event(id: $0, kind: "open", at: Date(timeIntervalSince1970: Double($0)), score: 0.5, tag: nil) }
        let encoder = BSONEncoder()
        let start = ContinuousClock.now
        var total = 0
        for event in events { total += try encoder.encode(event).count }
        let elapsed = ContinuousClock.now - start
        #expect(total == 400_000)
        #if DEBUG
            #expect(elapsed < .seconds(10))
        #else
            // About 0.2 s on the 2-core CI machine.
            #expect(elapsed < .seconds(1))
        #endif
    }
}
