import CarteiroDelivery
import Foundation
import Testing

@Suite struct TokenBucketTests {
    let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// `#require` cannot take a mutating call.
    static func take(_ bucket: inout TokenBucket, now: Date) -> Duration? { bucket.take(now: now) }

    @Test func burstGoesAtOnceThenWaitHintIsOneTokenAway() throws {
        var bucket = TokenBucket(rate: 10, burst: 5)
        for _ in 0..<5 {
            let wait = bucket.take(now: start)
            #expect(wait == nil)
        }
        let wait = try #require(TokenBucketTests.take(&bucket, now: start))
        #expect(abs(wait / .seconds(1) - 0.1) < 1e-9)
        do {
            let wait = bucket.take(now: start.addingTimeInterval(0.1))
            #expect(wait == nil)
        }
    }

    @Test func rateIsRespectedOverSimulatedTime() {
        var bucket = TokenBucket(rate: 20, burst: 20)
        var now = start
        var taken = 0
        // Ten simulated seconds, asking every millisecond.
        for _ in 0..<10_000 {
            if bucket.take(now: now) == nil { taken += 1 }
            now = now.addingTimeInterval(0.001)
        }
        // burst + rate × 10 s, give or take one token of rounding.
        #expect(abs(taken - (20 + 200)) <= 1)
    }

    @Test func followingTheWaitHintGivesExactlyTheRate() throws {
        var bucket = TokenBucket(rate: 4, burst: 1)
        var now = start
        var taken = 0
        while now < start.addingTimeInterval(10) {
            if let wait = bucket.take(now: now) {
                now = now.addingTimeInterval(wait / .seconds(1))
            } else {
                taken += 1
            }
        }
        #expect(taken == 40 || taken == 41)
    }

    @Test func consumedDebtDelaysTheNextTake() throws {
        var bucket = TokenBucket(rate: 10, burst: 10)
        bucket.consume(30, now: start)
        let wait = try #require(TokenBucketTests.take(&bucket, now: start))
        #expect(abs(wait / .seconds(1) - 2.1) < 1e-9)
    }
}
