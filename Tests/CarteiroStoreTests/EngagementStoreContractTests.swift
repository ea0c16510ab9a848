import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

/// What tracking and unsubscribing rely on the store for: every open and click kept, the first a
/// person made of each message and kind marked once (with its event), machines' apart; one
/// link-signing secret for every process; and a recipient's queued bulk mail cancelled at once.
@Suite("Engagement storage: hits, firsts, secrets, cancelling a recipient's bulk mail — both backends")
struct EngagementStoreContractTests {
    private func event(_ hit: EngagementHit) -> DomainEvent {
        let payload = EventPayload.EmailEngagement(jobID: hit.jobID, contactID: hit.contactID, url: hit.url)
        return DomainEvent(occurredAt: hit.at, payload: hit.kind == .open ? .emailOpened(payload) : .emailClicked(payload))
    }

    @Test(arguments: Backend.allCases)
    func theFirstOpenAndClickOfAMessageByAPersonIsMarkedOnceAndTheSummaryCountsPeopleAndMachinesApart(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let campaign = CampaignID()
            let other = CampaignID()
            let (first, second) = (EmailJobID(), EmailJobID())
            let now = fixture.clock.now()
            func hit(_ kind: EngagementHit.Kind, _ job: EmailJobID, url: String? = nil, machine: Bool = false, in id: CampaignID? = nil) -> EngagementHit {
                EngagementHit(
                    kind: kind, jobID: job, campaignID: id ?? campaign, linkIndex: url == nil ? nil : 0, url: url, machine: machine,
                    userAgent: machine ? "Mozilla/5.0" : "Thunderbird", at: now)
            }
            // A machine's open first: it is not the first open of the message.
            let batch1 = [
                hit(.open, first, machine: true), hit(.open, first), hit(.open, first), hit(.click, first, url: "https://loja.example/a"),
                hit(.open, second, in: other),
            ]
            let firsts1 = try await store.engagement.record(batch1) { event($0) }
            #expect(firsts1.map(\.kind) == [.open, .click, .open])
            #expect(firsts1.allSatisfy { !$0.machine })
            // A later batch: the same message's opens are no longer first.
            let batch2 = [
                hit(.open, first), hit(.click, first, url: "https://loja.example/a"), hit(.click, first, url: "https://loja.example/b"),
                hit(.click, second, url: "https://loja.example/b", machine: true, in: campaign),
            ]
            #expect(try await store.engagement.record(batch2) { event($0) }.isEmpty)

            let summary = try await store.engagement.summary(campaign: campaign, topLinks: 10)
            #expect(summary.opens == EngagementCounts(unique: 1, total: 3, machine: 1))
            #expect(summary.clicks == EngagementCounts(unique: 1, total: 3, machine: 1))
            #expect(
                summary.links == [
                    .init(url: "https://loja.example/a", unique: 1, total: 2), .init(url: "https://loja.example/b", unique: 1, total: 1),
                ])
            #expect(try await store.engagement.summary(campaign: other, topLinks: 10).opens == EngagementCounts(unique: 1, total: 1, machine: 0))
            #expect(try await store.engagement.count() == 9)

            let events = try await store.events.read(after: 0, limit: 100)
            #expect(events.filter { $0.kind == .emailOpened }.count == 2, "one per message")
            #expect(events.filter { $0.kind == .emailClicked }.count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func everyProcessGetsTheSecretTheFirstOneMade(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            async let one = store.secrets.secret(named: "mail-links") { Array(repeating: 1, count: 32) }
            async let two = store.secrets.secret(named: "mail-links") { Array(repeating: 2, count: 32) }
            let (a, b) = try await (one, two)
            #expect(a == b, "two processes asking at once agree")
            #expect(a == Array(repeating: 1, count: 32) || a == Array(repeating: 2, count: 32))
            #expect(try await store.secrets.secret(named: "mail-links") { [9] } == a, "kept")
            #expect(try await store.secrets.secret(named: "other") { [7, 7] } == [7, 7])
        }
    }

    @Test(arguments: Backend.allCases)
    func cancellingARecipientsBulkMailLeavesTransactionalAndOtherPeoplesMail(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let now = fixture.clock.now()
            let ana = try EmailAddress("Ana@Exemplo.com.br")
            let bia = try EmailAddress("bia@exemplo.com.br")
            let (bulk1, bulk2, transactional) = (SendID(), SendID(), SendID())
            _ = try await store.emailJobs.enqueue(
                [
                    EmailJob(sendID: bulk1, recipient: ana, stream: .bulk, dueAt: now, createdAt: now),
                    EmailJob(sendID: bulk2, recipient: try EmailAddress("ana@exemplo.com.br"), stream: .bulk, dueAt: now, createdAt: now),
                    EmailJob(sendID: bulk1, recipient: bia, stream: .bulk, dueAt: now, createdAt: now),
                    EmailJob(sendID: transactional, recipient: ana, stream: .transactional, dueAt: now, createdAt: now),
                ], events: [])
            #expect(try await store.emailJobs.cancelBulk(to: try EmailAddress("ANA@exemplo.com.br"), at: now) == 2)
            #expect(try await store.emailJobs.statusCounts(sendID: bulk1) == [.cancelled: 1, .queued: 1])
            #expect(try await store.emailJobs.statusCounts(sendID: bulk2) == [.cancelled: 1])
            #expect(try await store.emailJobs.statusCounts(sendID: transactional) == [.queued: 1])
            #expect(try await store.emailJobs.cancelBulk(to: ana, at: now) == 0, "nothing left to cancel")
        }
    }

    @Test(arguments: Backend.allCases)
    func aContactsLastSendOpenAndClickAreReadForSegmentsMachinesAside(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let start = fixture.clock.now()
            let (ana, bia, caio) = (ContactID(), ContactID(), ContactID())
            let job = EmailJob(sendID: SendID(), contactID: ana, recipient: try EmailAddress("ana@exemplo.com.br"), stream: .bulk, dueAt: start, createdAt: start)
            _ = try await store.emailJobs.enqueue([job], events: [])
            let claimed = try await store.emailJobs.claim(
                ClaimRequest(owner: "w", limit: 10, leaseDuration: .seconds(30), streams: [.bulk], now: start.addingTimeInterval(1)))
            let sentAt = start.addingTimeInterval(2)
            _ = try await store.emailJobs.record(
                claimed.map { EmailJobOutcome(jobID: $0.id, leaseToken: $0.lease?.token ?? "", result: .sent(relay: "r")) }, at: sentAt)
            let opened = start.addingTimeInterval(3_600)
            try await store.engagement.record(
                [
                    EngagementHit(kind: .open, jobID: job.id, contactID: ana, at: opened.addingTimeInterval(-60)),
                    EngagementHit(kind: .open, jobID: job.id, contactID: ana, at: opened),
                    EngagementHit(kind: .click, jobID: job.id, contactID: ana, url: "https://x.example", machine: true, at: opened),
                    EngagementHit(kind: .click, jobID: EmailJobID(), contactID: bia, url: "https://x.example", at: opened),
                ]) { _ in nil }
            let found = try await store.engagement.lastEngagement(of: [ana, bia, caio])
            #expect(found[ana] == ContactEngagement(lastSentAt: sentAt, lastOpenedAt: opened, lastClickedAt: nil), "a scanner's click is no click")
            #expect(found[bia] == ContactEngagement(lastClickedAt: opened))
            #expect(found[caio] == nil)
        }
    }
}
