import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Synchronization
import Testing

@Suite("Email job queue: one contract, both backends")
struct EmailJobQueueContractTests {
    @Test(arguments: Backend.allCases)
    func eightConcurrentClaimersGetEveryJobExactlyOnce(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let jobs = try makeJobs(1000, at: fixture.clock.now())
            let enqueued = try await fixture.store.emailJobs.enqueue(jobs, events: [])
            #expect(enqueued.inserted == 1000)
            let store = fixture.store
            let now = fixture.clock.now()
            let claims = try await withThrowingTaskGroup(of: [EmailJobID].self) { group in
                for claimer in 0..<8 {
                    group.addTask {
                        var mine: [EmailJobID] = []
                        var emptyRounds = 0
                        // A claimer can lose every candidate of a round to the others; stop after a few empty rounds.
                        while emptyRounds < 3 {
                            let batch = try await store.emailJobs.claim(
                                ClaimRequest(owner: "claimer-\(claimer)", limit: 25, leaseDuration: .seconds(60), now: now))
                            emptyRounds = batch.isEmpty ? emptyRounds + 1 : 0
                            mine += batch.map(\.id)
                        }
                        return mine
                    }
                }
                var all: [[EmailJobID]] = []
                for try await ids in group { all.append(ids) }
                return all
            }
            let claimed = claims.flatMap { $0 }
            #expect(claimed.count == 1000, "every job claimed")
            #expect(Set(claimed).count == 1000, "no job claimed twice")
            #expect(claims.filter { !$0.isEmpty }.count > 1, "the work was shared")
            let counts = try await store.emailJobs.statusCounts(sendID: nil)
            #expect(counts[.leased] == 1000)
        }
    }

    @Test(arguments: Backend.allCases)
    func claimedJobCarriesEveryFieldItWasQueuedWith(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let now = fixture.clock.now()
            let job = EmailJob(
                sendID: SendID(), campaignID: CampaignID(), contactID: ContactID(), recipient: try EmailAddress("Ana.Souza@Example.com"),
                recipientName: "Ana \"Aninha\" Souza", stream: .transactional,
                variables: ["plano": "Fibra 3", "cidade": "São Paulo", "long": String(repeating: "x", count: 300)],
                dueAt: now, createdAt: now)
            let plain = try makeJobs(1, at: now)[0]
            _ = try await fixture.store.emailJobs.enqueue([job, plain], events: [])
            let claimed = try await fixture.store.emailJobs.claim(
                ClaimRequest(owner: "w", limit: 10, leaseDuration: .seconds(60), now: now))
            let rich = try #require(claimed.first { $0.id == job.id })
            #expect(rich.sendID == job.sendID)
            #expect(rich.campaignID == job.campaignID)
            #expect(rich.contactID == job.contactID)
            #expect(rich.recipient == job.recipient)
            #expect(rich.recipientName == job.recipientName)
            #expect(rich.stream == .transactional)
            #expect(rich.variables == job.variables)
            #expect(rich.createdAt == job.createdAt)
            #expect(rich.status == .leased)
            #expect(rich.attempts == 1)
            let other = try #require(claimed.first { $0.id == plain.id })
            #expect(other.recipientName == nil)
            #expect(other.variables.isEmpty)
            #expect(other.campaignID == nil && other.contactID == nil)
            #expect(other.stream == .bulk)
            #expect(try await fixture.store.emailJobs.get(job.id)?.variables == job.variables)
        }
    }

    @Test(arguments: Backend.allCases)
    func everyFinalOutcomeOfALargeBatchIsRecordedWithItsJobsEvent(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let now = fixture.clock.now()
            let send = SendID()
            let campaign = CampaignID()
            let jobs = try (0..<120).map { index in
                EmailJob(
                    sendID: send, campaignID: index.isMultiple(of: 2) ? campaign : nil, contactID: index.isMultiple(of: 3) ? ContactID() : nil,
                    recipient: try EmailAddress("User\(index)@Example.com"), stream: .bulk, dueAt: now, createdAt: now)
            }
            _ = try await fixture.store.emailJobs.enqueue(jobs, events: [])
            let claimed = try await fixture.store.emailJobs.claim(ClaimRequest(owner: "w", limit: 200, leaseDuration: .seconds(60), now: now))
            #expect(claimed.count == 120)
            let failure = DeliveryFailure(replyCode: 550, enhancedStatus: "5.1.1", text: "no such user")
            let outcomes = claimed.enumerated().map { index, job in
                EmailJobOutcome(
                    jobID: job.id, leaseToken: job.lease?.token ?? "",
                    result: index < 100 ? .sent(relay: "relay-a") : .failed(relay: "relay-a", failure: failure))
            }
            let result = try await fixture.store.emailJobs.record(outcomes, at: now)
            #expect(result.accepted.count == 120 && result.stale.isEmpty)

            let events = try await fixture.store.events.read(after: 0, limit: 500)
            #expect(events.count == 120)
            #expect(Set(events.map(\.id)).count == 120)
            let byJob = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
            for event in events {
                switch event.payload {
                case .emailSent(let sent):
                    let job = try #require(byJob[sent.jobID])
                    #expect(sent.sendID == send && sent.campaignID == job.campaignID && sent.contactID == job.contactID)
                    #expect(sent.recipient == job.recipient && sent.relay == "relay-a")
                case .emailFailed(let failed):
                    let job = try #require(byJob[failed.jobID])
                    #expect(failed.campaignID == job.campaignID && failed.contactID == job.contactID && failed.recipient == job.recipient)
                    #expect(failed.failure == failure && failed.attempts == 1)
                default:
                    Issue.record("unexpected event \(event.kind)")
                }
            }
            #expect(events.filter { $0.kind == .emailFailed }.count == 20)
        }
    }

    @Test(arguments: Backend.allCases)
    func recordingABatchCanClaimTheNextOneInTheSameCall(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let now = fixture.clock.now()
            _ = try await fixture.store.emailJobs.enqueue(try makeJobs(5, at: now), events: [])
            let first = try await fixture.store.emailJobs.claim(ClaimRequest(owner: "w", limit: 3, leaseDuration: .seconds(60), now: now))
            #expect(first.count == 3)
            let (recorded, next) = try await fixture.store.emailJobs.record(
                first.map { EmailJobOutcome(jobID: $0.id, leaseToken: $0.lease?.token ?? "", result: .sent(relay: "r")) }, at: now,
                thenClaim: ClaimRequest(owner: "w", limit: 3, leaseDuration: .seconds(60), now: now))
            #expect(Set(recorded.accepted) == Set(first.map(\.id)) && recorded.stale.isEmpty)
            #expect(next.count == 2)
            #expect(Set(next.map(\.id)).isDisjoint(with: first.map(\.id)))
            #expect(next.allSatisfy { $0.status == .leased && $0.lease?.owner == "w" })
            let counts = try await fixture.store.emailJobs.statusCounts(sendID: nil)
            #expect(counts[.sent] == 3 && counts[.leased] == 2)
            let events = try await fixture.store.events.read(after: 0, limit: 10)
            #expect(events.filter { $0.kind == .emailSent }.count == 3)
        }
    }

    @Test(arguments: Backend.allCases)
    func jobWhoseLeaseExpiredIsClaimedAgain(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            _ = try await fixture.store.emailJobs.enqueue(try makeJobs(1, at: fixture.clock.now()), events: [])
            let first = try await fixture.store.emailJobs.claim(
                ClaimRequest(owner: "crashed-worker", limit: 10, leaseDuration: .seconds(30), now: fixture.clock.now()))
            #expect(first.count == 1)
            fixture.clock.advance(by: .seconds(29))
            let early = try await fixture.store.emailJobs.claim(
                ClaimRequest(owner: "other", limit: 10, leaseDuration: .seconds(30), now: fixture.clock.now()))
            #expect(early.isEmpty, "a live lease is respected")
            fixture.clock.advance(by: .seconds(2))
            let again = try await fixture.store.emailJobs.claim(
                ClaimRequest(owner: "other", limit: 10, leaseDuration: .seconds(30), now: fixture.clock.now()))
            #expect(again.map(\.id) == first.map(\.id))
            #expect(again.first?.lease?.owner == "other")
            #expect(again.first?.attempts == 2)
            #expect(again.first?.lease?.token != first.first?.lease?.token)
        }
    }

    @Test(arguments: Backend.allCases)
    func holderOfAnExpiredLeaseCannotOverwriteTheNewHoldersResult(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            _ = try await fixture.store.emailJobs.enqueue(try makeJobs(1, at: fixture.clock.now()), events: [])
            let stale = try #require(
                try await fixture.store.emailJobs.claim(
                    ClaimRequest(owner: "slow", limit: 1, leaseDuration: .seconds(10), now: fixture.clock.now())
                ).first)
            fixture.clock.advance(by: .seconds(11))
            let current = try #require(
                try await fixture.store.emailJobs.claim(
                    ClaimRequest(owner: "fast", limit: 1, leaseDuration: .seconds(10), now: fixture.clock.now())
                ).first)
            let fast = try await fixture.store.emailJobs.record(
                [EmailJobOutcome(jobID: current.id, leaseToken: current.lease!.token, result: .sent(relay: "relay-b"))], at: fixture.clock.now())
            #expect(fast.accepted == [current.id])
            let slow = try await fixture.store.emailJobs.record(
                [
                    EmailJobOutcome(
                        jobID: stale.id, leaseToken: stale.lease!.token,
                        result: .failed(relay: "relay-a", failure: .init(replyCode: 550, enhancedStatus: "5.1.1", text: "no such user")))
                ], at: fixture.clock.now())
            #expect(slow.stale == [stale.id])
            #expect(slow.accepted.isEmpty)
            let job = try #require(try await fixture.store.emailJobs.get(current.id))
            #expect(job.status == .sent)
            #expect(job.relay == "relay-b")
            #expect(job.lastError == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func recordingTheSameOutcomeTwiceCountsOnce(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            _ = try await fixture.store.emailJobs.enqueue(try makeJobs(1, at: fixture.clock.now()), events: [])
            let job = try #require(
                try await fixture.store.emailJobs.claim(
                    ClaimRequest(owner: "w", limit: 1, leaseDuration: .seconds(10), now: fixture.clock.now())
                ).first)
            let outcome = EmailJobOutcome(jobID: job.id, leaseToken: job.lease!.token, result: .sent(relay: "r1"))
            #expect(try await fixture.store.emailJobs.record([outcome], at: fixture.clock.now()).accepted == [job.id])
            #expect(try await fixture.store.emailJobs.record([outcome], at: fixture.clock.now()).stale == [job.id])
            let sentEvents = try await fixture.store.events.read(after: 0, limit: 10).filter { $0.kind == .emailSent }
            #expect(sentEvents.count == 1, "one email.sent event, not two")
        }
    }

    @Test(arguments: Backend.allCases)
    func transactionalJobsAreClaimedBeforeOlderBulkJobs(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            _ = try await fixture.store.emailJobs.enqueue(try makeJobs(500, stream: .bulk, at: fixture.clock.now()), events: [])
            fixture.clock.advance(by: .seconds(1))
            let confirmation = try makeJobs(1, stream: .transactional, at: fixture.clock.now(), prefix: "signup")
            _ = try await fixture.store.emailJobs.enqueue(confirmation, events: [])
            let batch = try await fixture.store.emailJobs.claim(
                ClaimRequest(owner: "w", limit: 10, leaseDuration: .seconds(10), now: fixture.clock.now()))
            #expect(batch.count == 10)
            #expect(batch.first?.id == confirmation[0].id)
            #expect(batch.first?.stream == .transactional)
        }
    }

    @Test(arguments: Backend.allCases)
    func sameRecipientTwiceInOneSendIsQueuedOnce(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let send = SendID()
            let now = fixture.clock.now()
            let jobs = [
                EmailJob(sendID: send, recipient: try EmailAddress("ana@example.com"), stream: .bulk, dueAt: now, createdAt: now),
                EmailJob(sendID: send, recipient: try EmailAddress("ANA@example.com"), stream: .bulk, dueAt: now, createdAt: now),
                EmailJob(sendID: send, recipient: try EmailAddress("rui@example.com"), stream: .bulk, dueAt: now, createdAt: now),
            ]
            let result = try await fixture.store.emailJobs.enqueue(jobs, events: [])
            #expect(result == EnqueueResult(inserted: 2, duplicates: 1))
            let again = try await fixture.store.emailJobs.enqueue(jobs, events: [])
            #expect(again == EnqueueResult(inserted: 0, duplicates: 3), "re-enqueueing a send (a resumed run) adds nothing")
            #expect(try await fixture.store.emailJobs.statusCounts(sendID: send)[.queued] == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func outcomesMoveJobsAndFinalOnesAppendTheirEvents(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let send = SendID()
            _ = try await fixture.store.emailJobs.enqueue(try makeJobs(4, send: send, at: fixture.clock.now()), events: [])
            let batch = try await fixture.store.emailJobs.claim(
                ClaimRequest(owner: "w", limit: 4, leaseDuration: .seconds(10), now: fixture.clock.now()))
            #expect(batch.count == 4)
            let failure = DeliveryFailure(replyCode: 451, enhancedStatus: "4.3.0", text: "try later")
            let retryAt = fixture.clock.now().addingTimeInterval(120)
            let outcomes = [
                EmailJobOutcome(jobID: batch[0].id, leaseToken: batch[0].lease!.token, result: .sent(relay: "r1")),
                EmailJobOutcome(jobID: batch[1].id, leaseToken: batch[1].lease!.token, result: .retry(at: retryAt, relay: "r1", failure: failure)),
                EmailJobOutcome(
                    jobID: batch[2].id, leaseToken: batch[2].lease!.token,
                    result: .failed(relay: "r2", failure: .init(replyCode: 550, enhancedStatus: "5.1.1", text: "unknown user"))),
                EmailJobOutcome(jobID: batch[3].id, leaseToken: batch[3].lease!.token, result: .released),
            ]
            let result = try await fixture.store.emailJobs.record(outcomes, at: fixture.clock.now())
            #expect(Set(result.accepted) == Set(batch.map(\.id)))
            let counts = try await fixture.store.emailJobs.statusCounts(sendID: send)
            #expect(counts == [.sent: 1, .retryScheduled: 1, .failed: 1, .queued: 1])
            let retried = try #require(try await fixture.store.emailJobs.get(batch[1].id))
            #expect(retried.dueAt == retryAt)
            #expect(retried.lastError == failure)
            #expect(retried.lease == nil)
            #expect(try await fixture.store.emailJobs.get(batch[3].id)?.attempts == 0, "a released job's attempt is not counted")
            // Not due yet: only the released job is claimable now.
            let next = try await fixture.store.emailJobs.claim(
                ClaimRequest(owner: "w", limit: 4, leaseDuration: .seconds(10), now: fixture.clock.now()))
            #expect(next.map(\.id) == [batch[3].id])

            let events = try await fixture.store.events.read(after: 0, limit: 10)
            #expect(events.map(\.kind) == [.emailSent, .emailFailed])
            guard case .emailFailed(let failed) = events.last?.payload else { Issue.record("no email.failed"); return }
            #expect(failed.failure.replyCode == 550)
            #expect(failed.recipient == batch[2].recipient)
        }
    }

    @Test(arguments: Backend.allCases)
    func streamStatsCountWaitingJobsAndTheOldestPerStream(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let queue = fixture.store.emailJobs
            let empty = StreamStats(waiting: 0, oldestQueuedAt: nil)
            #expect(try await queue.streamStats() == [.transactional: empty, .bulk: empty], "every stream is present")

            let t0 = fixture.clock.now()
            _ = try await queue.enqueue(try makeJobs(1, stream: .bulk, at: t0, prefix: "early"), events: [])
            fixture.clock.advance(by: .seconds(5))
            let t1 = fixture.clock.now()
            _ = try await queue.enqueue(try makeJobs(2, stream: .transactional, at: t1, prefix: "signup"), events: [])
            fixture.clock.advance(by: .seconds(5))
            let t2 = fixture.clock.now()
            _ = try await queue.enqueue(try makeJobs(1, stream: .bulk, at: t2, prefix: "late"), events: [])
            #expect(
                try await queue.streamStats() == [
                    .transactional: StreamStats(waiting: 2, oldestQueuedAt: t1), .bulk: StreamStats(waiting: 2, oldestQueuedAt: t0),
                ])

            let batch = try await queue.claim(ClaimRequest(owner: "w", limit: 3, leaseDuration: .seconds(10), now: t2))
            #expect(batch.map(\.stream) == [.transactional, .transactional, .bulk])
            #expect(
                try await queue.streamStats() == [.transactional: empty, .bulk: StreamStats(waiting: 1, oldestQueuedAt: t2)],
                "leased jobs are not waiting")
            let failure = DeliveryFailure(replyCode: 451, text: "try later")
            _ = try await queue.record(
                [
                    EmailJobOutcome(jobID: batch[0].id, leaseToken: batch[0].lease!.token, result: .sent(relay: "r1")),
                    EmailJobOutcome(
                        jobID: batch[1].id, leaseToken: batch[1].lease!.token,
                        result: .retry(at: t2.addingTimeInterval(60), relay: "r1", failure: failure)),
                    EmailJobOutcome(jobID: batch[2].id, leaseToken: batch[2].lease!.token, result: .sent(relay: "r1")),
                ], at: t2)
            #expect(
                try await queue.streamStats() == [
                    .transactional: StreamStats(waiting: 1, oldestQueuedAt: t1), .bulk: StreamStats(waiting: 1, oldestQueuedAt: t2),
                ],
                "a job scheduled for retry waits again, a sent one does not")
        }
    }

    @Test(arguments: Backend.allCases)
    func deferredJobWaitsUntilItsTimeWithItsAttemptUncountedAndNoEvent(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let queue = fixture.store.emailJobs
            _ = try await queue.enqueue(try makeJobs(1, at: fixture.clock.now()), events: [])
            let job = try #require(
                try await queue.claim(ClaimRequest(owner: "w", limit: 1, leaseDuration: .seconds(10), now: fixture.clock.now())).first)
            #expect(job.attempts == 1)
            let until = fixture.clock.now().addingTimeInterval(45)
            let result = try await queue.record(
                [EmailJobOutcome(jobID: job.id, leaseToken: job.lease!.token, result: .deferred(until: until))], at: fixture.clock.now())
            #expect(result.accepted == [job.id])

            let deferred = try #require(try await queue.get(job.id))
            #expect(deferred.status == .queued)
            #expect(deferred.attempts == 0, "the attempt is not counted")
            #expect(deferred.dueAt == until)
            #expect(deferred.lease == nil)
            fixture.clock.advance(by: .seconds(44))
            let early = try await queue.claim(ClaimRequest(owner: "w", limit: 1, leaseDuration: .seconds(10), now: fixture.clock.now()))
            #expect(early.isEmpty, "not claimable before its time")
            fixture.clock.advance(by: .seconds(1))
            let again = try await queue.claim(ClaimRequest(owner: "w", limit: 1, leaseDuration: .seconds(10), now: fixture.clock.now()))
            #expect(again.map(\.id) == [job.id])
            #expect(again.first?.attempts == 1)
            #expect(try await fixture.store.events.read(after: 0, limit: 10).isEmpty, "no email.sent or email.failed")
        }
    }

    @Test(arguments: Backend.allCases)
    func jobGivenBackUnattemptedKeepsTheFailureOfItsLastAttempt(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let queue = fixture.store.emailJobs
            let failure = DeliveryFailure(replyCode: 451, enhancedStatus: "4.7.1", text: "greylisted")
            _ = try await queue.enqueue(try makeJobs(2, at: fixture.clock.now()), events: [])
            let first = try await queue.claim(ClaimRequest(owner: "w", limit: 2, leaseDuration: .seconds(10), now: fixture.clock.now()))
            _ = try await queue.record(
                first.map {
                    EmailJobOutcome(jobID: $0.id, leaseToken: $0.lease!.token, result: .retry(at: fixture.clock.now(), relay: "r1", failure: failure))
                },
                at: fixture.clock.now())
            let second = try await queue.claim(ClaimRequest(owner: "w", limit: 2, leaseDuration: .seconds(10), now: fixture.clock.now()))
            try #require(second.count == 2)
            _ = try await queue.record(
                [
                    EmailJobOutcome(
                        jobID: second[0].id, leaseToken: second[0].lease!.token, result: .deferred(until: fixture.clock.now().addingTimeInterval(60))),
                    EmailJobOutcome(jobID: second[1].id, leaseToken: second[1].lease!.token, result: .released),
                ], at: fixture.clock.now())
            for job in second {
                let stored = try #require(try await queue.get(job.id))
                #expect(stored.lastError == failure)
                #expect(stored.attempts == 1)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func renewedLeaseKeepsItsJobsFromAClaimAfterTheOldExpiry(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let queue = fixture.store.emailJobs
            let start = fixture.clock.now()
            _ = try await queue.enqueue(try makeJobs(3, at: start), events: [])
            let held = try await queue.claim(ClaimRequest(owner: "busy", limit: 3, leaseDuration: .seconds(10), now: start))
            try #require(held.count == 3)
            fixture.clock.advance(by: .seconds(5))
            let until = fixture.clock.now().addingTimeInterval(10)
            let renewal = try await queue.renewLeases(
                held.map { HeldLease(jobID: $0.id, token: $0.lease!.token) }, until: until, at: fixture.clock.now())
            #expect(Set(renewal.renewed) == Set(held.map(\.id)))
            #expect(renewal.stale.isEmpty)

            fixture.clock.advance(by: .seconds(6))
            let early = try await queue.claim(ClaimRequest(owner: "other", limit: 3, leaseDuration: .seconds(10), now: fixture.clock.now()))
            #expect(early.isEmpty, "past the claim's expiry, the renewed leases still hold")
            let renewed = try #require(try await queue.get(held[0].id))
            #expect(renewed.lease == Lease(owner: "busy", token: held[0].lease!.token, expiresAt: until))
            #expect(renewed.attempts == 1, "a renewal is not an attempt")
            let recorded = try await queue.record(
                [EmailJobOutcome(jobID: held[0].id, leaseToken: held[0].lease!.token, result: .sent(relay: "r1"))], at: fixture.clock.now())
            #expect(recorded.accepted == [held[0].id], "the holder's token is unchanged")

            fixture.clock.advance(by: .seconds(5))
            let later = try await queue.claim(ClaimRequest(owner: "other", limit: 3, leaseDuration: .seconds(10), now: fixture.clock.now()))
            #expect(Set(later.map(\.id)) == Set(held[1...].map(\.id)), "a renewed lease that runs out is claimed again")
        }
    }

    @Test(arguments: Backend.allCases)
    func renewalNeverShortensALease(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let queue = fixture.store.emailJobs
            _ = try await queue.enqueue(try makeJobs(1, at: fixture.clock.now()), events: [])
            let job = try #require(
                try await queue.claim(ClaimRequest(owner: "w", limit: 1, leaseDuration: .seconds(60), now: fixture.clock.now())).first)
            let renewal = try await queue.renewLeases(
                [HeldLease(jobID: job.id, token: job.lease!.token)], until: fixture.clock.now().addingTimeInterval(10), at: fixture.clock.now())
            #expect(renewal.renewed == [job.id], "the lease is held until then, and longer")
            #expect(try await queue.get(job.id)?.lease?.expiresAt == job.lease?.expiresAt)
        }
    }

    @Test(arguments: Backend.allCases)
    func renewalByAHolderWhoseLeaseWasTakenOverIsRefusedAndChangesNothing(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let queue = fixture.store.emailJobs
            _ = try await queue.enqueue(try makeJobs(2, at: fixture.clock.now()), events: [])
            let slow = try await queue.claim(ClaimRequest(owner: "slow", limit: 2, leaseDuration: .seconds(10), now: fixture.clock.now()))
            try #require(slow.count == 2)
            fixture.clock.advance(by: .seconds(11))
            let taken = try #require(
                try await queue.claim(ClaimRequest(owner: "fast", limit: 1, leaseDuration: .seconds(10), now: fixture.clock.now())).first)
            let untaken = try #require(slow.first { $0.id != taken.id })
            let before = try #require(try await queue.get(taken.id))

            fixture.clock.advance(by: .seconds(1))
            let until = fixture.clock.now().addingTimeInterval(60)
            let renewal = try await queue.renewLeases(
                slow.map { HeldLease(jobID: $0.id, token: $0.lease!.token) }, until: until, at: fixture.clock.now())
            #expect(renewal.stale == [taken.id])
            #expect(renewal.renewed == [untaken.id], "a lease that ran out but was not taken over is still its holder's")
            #expect(try await queue.get(taken.id) == before, "the new holder's lease is untouched")
            #expect(try await queue.get(untaken.id)?.lease == Lease(owner: "slow", token: untaken.lease!.token, expiresAt: until))

            let recorded = try await queue.record(
                [EmailJobOutcome(jobID: taken.id, leaseToken: taken.lease!.token, result: .sent(relay: "relay-b"))], at: fixture.clock.now())
            #expect(recorded.accepted == [taken.id], "the new holder records its outcome")
        }
    }

    @Test(arguments: Backend.allCases)
    func renewingTheLeaseOfARecordedJobChangesNothing(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let queue = fixture.store.emailJobs
            _ = try await queue.enqueue(try makeJobs(2, at: fixture.clock.now()), events: [])
            let batch = try await queue.claim(ClaimRequest(owner: "w", limit: 2, leaseDuration: .seconds(10), now: fixture.clock.now()))
            try #require(batch.count == 2)
            _ = try await queue.record(
                [
                    EmailJobOutcome(jobID: batch[0].id, leaseToken: batch[0].lease!.token, result: .sent(relay: "r1")),
                    EmailJobOutcome(jobID: batch[1].id, leaseToken: batch[1].lease!.token, result: .released),
                ], at: fixture.clock.now())
            let before = [try await queue.get(batch[0].id), try await queue.get(batch[1].id)]

            fixture.clock.advance(by: .seconds(1))
            let renewal = try await queue.renewLeases(
                batch.map { HeldLease(jobID: $0.id, token: $0.lease!.token) }, until: fixture.clock.now().addingTimeInterval(10),
                at: fixture.clock.now())
            #expect(renewal.renewed.isEmpty)
            #expect(Set(renewal.stale) == Set(batch.map(\.id)))
            #expect([try await queue.get(batch[0].id), try await queue.get(batch[1].id)] == before, "sent stays sent, released stays queued")
        }
    }
}
