import CarteiroDelivery
import CarteiroDomain
import Testing

@Suite struct BackoffTests {
    let backoff = Backoff(base: .seconds(1), cap: .seconds(600), maxAttempts: 8)

    @Test func delaysStayWithinZeroAndCap() {
        var generator = SplitMix64(seed: 1)
        for attempt in 1...40 {
            for _ in 0..<50 {
                let delay = backoff.delay(afterAttempt: attempt, retryAfter: nil, using: &generator)
                #expect(delay >= .zero)
                #expect(delay <= .seconds(600))
                #expect(delay <= .seconds(1) * Int(min(1 << min(attempt - 1, 20), 600)))
            }
        }
    }

    @Test func neverShorterThanRetryAfterHint() {
        var generator = SplitMix64(seed: 2)
        for attempt in 1...10 {
            for _ in 0..<50 {
                #expect(backoff.delay(afterAttempt: attempt, retryAfter: .seconds(45), using: &generator) >= .seconds(45))
            }
        }
    }

    @Test func retryAfterHintIsCappedAtCap() {
        var generator = SplitMix64(seed: 3)
        #expect(backoff.delay(afterAttempt: 1, retryAfter: .seconds(3600), using: &generator) == .seconds(600))
    }

    @Test func growsOnAverage() {
        var generator = SplitMix64(seed: 4)
        func mean(_ attempt: Int) -> Double {
            var total = 0.0
            for _ in 0..<2000 { total += backoff.delay(afterAttempt: attempt, retryAfter: nil, using: &generator) / .seconds(1) }
            return total / 2000
        }
        let means = (1...8).map(mean)
        for (earlier, later) in zip(means, means.dropFirst()) { #expect(later > earlier * 1.5) }
        #expect(abs(means[3] - 4) < 0.5)  // attempt 4: uniform in [0, 8 s], mean 4 s
    }

    @Test func exhaustedAfterMaxAttempts() {
        #expect(backoff.isExhausted(attempts: 7) == false)
        #expect(backoff.isExhausted(attempts: 8))
        #expect(backoff.isExhausted(attempts: 9))
    }
}
