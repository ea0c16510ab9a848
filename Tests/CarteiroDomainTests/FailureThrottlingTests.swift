import CarteiroDomain
import CarteiroTesting
import Foundation
import Testing

@Suite struct FailureBackoffTests {
    @Test func delaysDoubleFromTheBaseUpToTheCapAndStartOverAfterASuccess() {
        var backoff = FailureBackoff(base: .milliseconds(100), cap: .seconds(1))
        let delays = (0..<7).map { _ in backoff.failed() }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1), .seconds(1)])
        #expect(backoff.consecutiveFailures == 7)
        backoff.succeeded()
        #expect(backoff.failed() == .milliseconds(100))
    }

    @Test func aLongOutageNeitherOverflowsNorPassesTheCap() {
        var backoff = FailureBackoff(base: .seconds(1), cap: .seconds(30))
        for _ in 0..<10_000 { _ = backoff.failed() }
        #expect(backoff.nextDelay == .seconds(30))
    }
}

@Suite struct LogThrottleTests {
    @Test func repeatedFailuresGetOneLinePerIntervalThatCountsTheOthers() {
        let clock = ManualClock()
        let throttle = LogThrottle(interval: .seconds(10), clock: clock)
        let first = throttle.record("claim")
        #expect(first.shouldLog)
        #expect(first.suppressed == 0)
        var skipped: [LogThrottle.Occurrence] = []
        for _ in 0..<49 {
            clock.advance(by: .milliseconds(20))
            skipped.append(throttle.record("claim"))
        }
        #expect(skipped.allSatisfy { !$0.shouldLog && $0.incident == first.incident }, "the line logged stands for them all")
        #expect(skipped.last?.suppressed == 49)
        clock.advance(by: .seconds(10))
        let next = throttle.record("claim")
        #expect(next.shouldLog)
        #expect(next.suppressed == 49, "the next line says how many were not logged")
        #expect(next.incident != first.incident)
    }

    @Test func eachKindHasLinesOfItsOwn() {
        let clock = ManualClock()
        let throttle = LogThrottle(interval: .seconds(10), clock: clock)
        #expect(throttle.record("claim").shouldLog)
        #expect(throttle.record("record").shouldLog)
        #expect(!throttle.record("claim").shouldLog)
    }

    @Test func pastItsLimitOfKindsNewKindsShareALine() {
        let clock = ManualClock()
        let throttle = LogThrottle(interval: .seconds(10), clock: clock, maximumKinds: 3)
        let logged = (0..<100).map { throttle.record("error \($0)") }.filter(\.shouldLog)
        #expect(logged.count == 4, "three kinds, then one line for the rest")
        clock.advance(by: .seconds(11))
        #expect(throttle.record("error 99").shouldLog, "forgotten kinds make room again")
    }

    @Test func incidentsAreEightHexDigits() {
        let incident = LogThrottle().record("x").incident
        #expect(incident.count == 8)
        #expect(incident.allSatisfy { $0.isHexDigit })
    }
}
