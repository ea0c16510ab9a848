import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

/// nx-27017 deviations met here (the store codes to MongoDB's documented behaviour):
/// - findAndModify with `upsert` ignores `$setOnInsert` (updateOne honours it), so the allowance
///   documents it creates have no `expireAt` and the TTL index never removes them;
/// - `createIndexes` renames the TTL index `expire_at` to `idx_delivery_rates_expireAt`.
/// Neither changes what these tests see: expiry of past minutes is left to MongoDB's TTL monitor.
@Suite("Delivery throttle: one contract, both backends")
struct DeliveryThrottleContractTests {
    @Test(arguments: Backend.allCases)
    func concurrentTakersAreGrantedExactlyTheMinutesLimit(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let throttle = fixture.store.throttle
            // The start of a minute, so that the whole test stays inside it.
            let minute = Date(timeIntervalSince1970: (fixture.clock.now().timeIntervalSince1970 / 60).rounded(.up) * 60)
            let granted = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var mine = 0
                        for request in 0..<50 {
                            mine += try await throttle.takeMessages(
                                domain: "example.com", count: 3, limitPerMinute: 100, now: minute.addingTimeInterval(Double(request) / 10))
                        }
                        return mine
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(granted == 100)
            #expect(try await throttle.takeMessages(domain: "example.com", count: 3, limitPerMinute: 100, now: minute.addingTimeInterval(59.9)) == 0)
            #expect(
                try await throttle.takeMessages(domain: "example.com", count: 3, limitPerMinute: 100, now: minute.addingTimeInterval(60)) == 3,
                "the next minute has an allowance of its own")
            #expect(
                try await throttle.takeMessages(domain: "example.org", count: 3, limitPerMinute: 100, now: minute.addingTimeInterval(1)) == 3,
                "each domain has an allowance of its own")
        }
    }

    @Test(arguments: Backend.allCases)
    func aRequestBeyondWhatIsLeftGetsOnlyTheRest(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let throttle = fixture.store.throttle
            let now = fixture.clock.now()
            var grants: [Int] = []
            for _ in 0..<4 {
                grants.append(try await throttle.takeMessages(domain: "example.com", count: 4, limitPerMinute: 10, now: now))
            }
            #expect(grants == [4, 4, 2, 0])
        }
    }

    @Test(arguments: Backend.allCases)
    func slotsBeyondMaxParallelAreRefusedUntilTheirHolderReleasesThem(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let throttle = fixture.store.throttle
            let now = fixture.clock.now()
            let expiry = now.addingTimeInterval(60)
            func acquire(_ holder: String) async throws -> Int? {
                try await throttle.acquireSlot(domain: "example.com", maxParallel: 2, holder: holder, expiresAt: expiry, now: now)
            }
            #expect(try await acquire("a") == 0)
            #expect(try await acquire("b") == 1)
            #expect(try await acquire("c") == nil)
            try await throttle.releaseSlot(domain: "example.com", slot: 0, holder: "c")
            #expect(try await acquire("c") == nil, "a release by someone who does not hold the slot does nothing")
            #expect(
                try await throttle.acquireSlot(domain: "example.org", maxParallel: 2, holder: "c", expiresAt: expiry, now: now) == 0,
                "each domain has slots of its own")
            try await throttle.releaseSlot(domain: "example.com", slot: 0, holder: "a")
            #expect(try await acquire("c") == 0)
            #expect(try await acquire("d") == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func slotOfAHolderThatLetItExpireIsTakenOver(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let throttle = fixture.store.throttle
            let start = fixture.clock.now()
            #expect(
                try await throttle.acquireSlot(
                    domain: "example.com", maxParallel: 2, holder: "a", expiresAt: start.addingTimeInterval(30), now: start) == 0)
            #expect(
                try await throttle.acquireSlot(
                    domain: "example.com", maxParallel: 2, holder: "b", expiresAt: start.addingTimeInterval(90), now: start) == 1)
            let later = start.addingTimeInterval(30)
            #expect(
                try await throttle.acquireSlot(
                    domain: "example.com", maxParallel: 2, holder: "c", expiresAt: later.addingTimeInterval(30), now: later) == 0)
            try await throttle.releaseSlot(domain: "example.com", slot: 0, holder: "a")
            #expect(
                try await throttle.acquireSlot(
                    domain: "example.com", maxParallel: 2, holder: "d", expiresAt: later.addingTimeInterval(30), now: later) == nil,
                "the expired holder's late release does not free the new holder's slot")
        }
    }
}
