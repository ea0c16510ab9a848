import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

/// Pausing, resuming and cancelling a send at the queue: what a campaign's pause, resume and
/// cancel stand on.
@Suite("Holding and cancelling a send's jobs: one contract, both backends")
struct EmailJobHoldContractTests {
    @Test(arguments: Backend.allCases)
    func heldJobsAreNotClaimedAndComeBackAsTheyWereWithoutTouchingOtherSendsOrLeasedJobs(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let queue = fixture.store.emailJobs
            let now = fixture.clock.now()
            let paused = SendID()
            let other = SendID()
            _ = try await queue.enqueue(try makeJobs(10, send: paused, at: now) + makeJobs(5, send: other, at: now, prefix: "other"), events: [])
            // Three of the paused send's jobs: two leased (one then deferred for a retry), before the pause.
            let leased = try await queue.claim(ClaimRequest(owner: "w", limit: 3, leaseDuration: .seconds(60), now: now)).filter { $0.sendID == paused }
            let retried = try #require(leased.first)
            let retryAt = now.addingTimeInterval(30)
            _ = try await queue.record(
                [.init(jobID: retried.id, leaseToken: retried.lease!.token, result: .retry(at: retryAt, relay: "r", failure: .init(text: "busy")))], at: now)

            let held = try await queue.hold(sendID: paused, at: now)
            #expect(held == 10 - leased.count + 1, "every waiting job of the send, the retried one too; not the leased ones")
            // Before the leases run out: a leased job whose holder died is claimed again, held send or not.
            let later = now.addingTimeInterval(45)
            let claimed = try await queue.claim(ClaimRequest(owner: "w2", limit: 100, leaseDuration: .seconds(60), now: later))
            #expect(claimed.allSatisfy { $0.sendID == other }, "nothing of the paused send is claimed")
            #expect(try await queue.statusCounts(sendID: paused)[.held] == held)

            #expect(try await queue.release(sendID: paused, at: later) == held)
            let counts = try await queue.statusCounts(sendID: paused)
            #expect(counts[.held] == nil)
            #expect(counts[.retryScheduled] == 1, "an attempted job goes back to waiting for its retry")
            #expect(try await queue.get(retried.id)?.dueAt == retryAt, "at its own time")
            let again = try await queue.claim(ClaimRequest(owner: "w3", limit: 100, leaseDuration: .seconds(60), now: later))
            #expect(again.count == held, "all of them can be claimed again")
            #expect(Set(again.map(\.id)).count == again.count)
        }
    }

    @Test(arguments: Backend.allCases)
    func cancelledJobsAreFinalAndNeverClaimed(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let queue = fixture.store.emailJobs
            let now = fixture.clock.now()
            let send = SendID()
            _ = try await queue.enqueue(try makeJobs(6, send: send, at: now), events: [])
            let leased = try await queue.claim(ClaimRequest(owner: "w", limit: 2, leaseDuration: .seconds(60), now: now))
            _ = try await queue.hold(sendID: send, at: now)
            #expect(try await queue.cancel(sendID: send, at: now) == 4)
            #expect(try await queue.release(sendID: send, at: now) == 0, "nothing held is left")
            #expect(try await queue.claim(ClaimRequest(owner: "w2", limit: 10, leaseDuration: .seconds(60), now: now)).isEmpty)
            let counts = try await queue.statusCounts(sendID: send)
            #expect(counts[.cancelled] == 4)
            #expect(counts[.leased] == leased.count, "a job a worker holds finishes")
            #expect(EmailJob.Status.cancelled.isFinal)
        }
    }
}
