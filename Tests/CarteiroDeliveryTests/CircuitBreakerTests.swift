import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import Foundation
import Testing

@Suite struct CircuitBreakerTests {
    let start = Date(timeIntervalSince1970: 1_790_000_000)
    let transient = TransportOutcome.rejected(TransportFailure(failure: DeliveryFailure(replyCode: 421, text: "try later"), isTransient: true))
    let permanent = TransportOutcome.rejected(TransportFailure(failure: DeliveryFailure(replyCode: 550, text: "no such user"), isTransient: false))

    private func opened(_ configuration: CircuitBreaker.Configuration = .init()) -> CircuitBreaker {
        var breaker = CircuitBreaker(configuration: configuration)
        for _ in 0..<configuration.consecutiveFailures { _ = breaker.recordFailure(now: start) }
        return breaker
    }

    @Test func opensAfterFiveConsecutiveTransientFailures() {
        var breaker = CircuitBreaker()
        for _ in 0..<4 {
            let transition = breaker.recordFailure(now: start)
            #expect(transition == nil)
        }
        #expect(breaker.state == .closed)
        let transition = breaker.recordFailure(now: start)
        #expect(transition?.from == .closed)
        #expect(transition?.to == .open(until: start.addingTimeInterval(30)))
        do {
            let allowed = breaker.allowsRequest(now: start)
            #expect(allowed == false)
        }
    }

    @Test func successResetsTheConsecutiveCount() {
        var breaker = CircuitBreaker()
        for _ in 0..<4 { _ = breaker.recordFailure(now: start) }
        _ = breaker.recordSuccess(now: start)
        for _ in 0..<4 { _ = breaker.recordFailure(now: start) }
        #expect(breaker.state == .closed)
    }

    @Test func opensWhenFailureRatioOverTheWindowReachesTheThreshold() {
        var breaker = CircuitBreaker(configuration: .init(consecutiveFailures: 100, failureRatio: 0.5, window: 20, minimumInWindow: 10))
        var transition: CircuitBreaker.Transition?
        // Alternating: never two failures in a row, but half of all outcomes fail.
        for _ in 0..<4 {
            _ = breaker.recordSuccess(now: start)
            do {
                let transition = breaker.recordFailure(now: start)
                #expect(transition == nil)
            }
        }
        #expect(breaker.state == .closed)  // 4 of 8: under the minimum the window must hold
        _ = breaker.recordSuccess(now: start)
        transition = breaker.recordFailure(now: start)  // 5 of 10
        #expect(transition?.to == .open(until: start.addingTimeInterval(30)))
    }

    @Test func ratioBelowThresholdKeepsItClosed() {
        var breaker = CircuitBreaker(configuration: .init(consecutiveFailures: 100, failureRatio: 0.5, window: 20, minimumInWindow: 10))
        for _ in 0..<30 {
            _ = breaker.recordSuccess(now: start)
            _ = breaker.recordSuccess(now: start)
            _ = breaker.recordFailure(now: start)
        }
        #expect(breaker.state == .closed)
    }

    @Test func staysOpenDuringCoolDown() {
        var breaker = opened()
        do {
            let allowed = breaker.allowsRequest(now: start.addingTimeInterval(1))
            #expect(allowed == false)
        }
        do {
            let allowed = breaker.allowsRequest(now: start.addingTimeInterval(29.999))
            #expect(allowed == false)
        }
        #expect(breaker.state == .open(until: start.addingTimeInterval(30)))
    }

    @Test func halfOpenLetsExactlyOneTrialThrough() {
        var breaker = opened()
        let (allowed, transition) = breaker.acquire(now: start.addingTimeInterval(30))
        #expect(allowed)
        #expect(transition?.to == .halfOpen)
        #expect(breaker.state == .halfOpen)
        do {
            let allowed = breaker.allowsRequest(now: start.addingTimeInterval(31))
            #expect(allowed == false)
        }
        do {
            let allowed = breaker.allowsRequest(now: start.addingTimeInterval(300))
            #expect(allowed == false)
        }
    }

    @Test func trialSuccessCloses() {
        var breaker = opened()
        do {
            let allowed = breaker.allowsRequest(now: start.addingTimeInterval(30))
            #expect(allowed)
        }
        let transition = breaker.recordSuccess(now: start.addingTimeInterval(31))
        #expect(transition == CircuitBreaker.Transition(from: .halfOpen, to: .closed, reason: transition?.reason ?? ""))
        #expect(breaker.state == .closed)
        do {
            let allowed = breaker.allowsRequest(now: start.addingTimeInterval(31))
            #expect(allowed)
        }
        do {
            let allowed = breaker.allowsRequest(now: start.addingTimeInterval(31))
            #expect(allowed)
        }
    }

    @Test func trialFailureReopensForAnotherCoolDown() {
        var breaker = opened()
        do {
            let allowed = breaker.allowsRequest(now: start.addingTimeInterval(30))
            #expect(allowed)
        }
        let transition = breaker.recordFailure(now: start.addingTimeInterval(31))
        #expect(transition?.from == .halfOpen)
        #expect(breaker.state == .open(until: start.addingTimeInterval(61)))
        do {
            let allowed = breaker.allowsRequest(now: start.addingTimeInterval(60))
            #expect(allowed == false)
        }
        do {
            let allowed = breaker.allowsRequest(now: start.addingTimeInterval(61))
            #expect(allowed)
        }
    }

    @Test func permanentRejectionsNeverOpenIt() {
        var breaker = CircuitBreaker()
        for _ in 0..<100 {
            let transition = breaker.record([permanent, permanent], now: start)
            #expect(transition == nil)
        }
        #expect(breaker.state == .closed)
    }

    @Test func batchWithAnyAcceptedCountsAsSuccess() {
        var breaker = CircuitBreaker()
        for _ in 0..<100 { _ = breaker.record([transient, transient, .accepted], now: start) }
        #expect(breaker.state == .closed)
    }

    @Test func batchesOfTransientFailuresOpenIt() {
        var breaker = CircuitBreaker()
        for _ in 0..<5 { _ = breaker.record([transient, transient], now: start) }
        #expect(breaker.state == .open(until: start.addingTimeInterval(30)))
    }

    @Test func permanentTrialOutcomeClosesIt() {
        var breaker = opened()
        do {
            let allowed = breaker.allowsRequest(now: start.addingTimeInterval(30))
            #expect(allowed)
        }
        _ = breaker.record([permanent], now: start.addingTimeInterval(30))
        #expect(breaker.state == .closed)
    }
}
