import CarteiroDomain
import CarteiroInbox
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

/// Temporary bounces suppress an address only when they keep coming: `count` within the window.
@Suite("Temporary bounces — both backends")
struct TemporaryBounceTests {
    private func bounce(_ actions: InboxActions, _ store: any Store, uid: UInt32, at date: Date) async throws -> InboxMessage.Action {
        // As the watcher does: the record first, then the effect, then the record's action.
        var record = try await store.inboxMessages.insert(
            InboxMessage(
                mailbox: "bounces@127.0.0.1:1143/INBOX", uidValidity: 1, uid: uid, messageID: "b\(uid)@mx.example", from: "MAILER-DAEMON@mx.example",
                subject: "Delivery delayed", receivedAt: date, kind: .bounce, replyText: nil))
        let classification = Classification(
            kind: .bounce, bounces: [BounceRecipient(recipient: "ana@exemplo.com.br", status: "4.2.2", permanent: false)])
        let outcome = try await actions.apply(classification, to: record, recipient: nil, now: date)
        record.record(outcome.action, contactID: outcome.contactID, detail: outcome.detail, contactStatusBefore: outcome.statusBefore)
        _ = try await store.inboxMessages.update(record)
        return outcome.action
    }

    @Test(arguments: Backend.allCases)
    func theThirdTemporaryBounceWithinTheWindowSuppressesAndOlderOnesDoNotCount(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            var contact = try Contact(email: try EmailAddress("ana@exemplo.com.br"), createdAt: fixture.clock.now())
            try contact.confirm(.init(at: fixture.clock.now(), method: .api, evidence: "test"))
            contact = try await store.contacts.insert(contact)
            let actions = InboxActions(store: store, signUps: nil, temporaryBounces: .init(count: 3, window: 7 * 86_400))
            let start = fixture.clock.now()

            #expect(try await bounce(actions, store, uid: 1, at: start) == .deferred)
            // Ten days later the first no longer counts.
            #expect(try await bounce(actions, store, uid: 2, at: start.addingTimeInterval(10 * 86_400)) == .deferred)
            #expect(try await bounce(actions, store, uid: 3, at: start.addingTimeInterval(11 * 86_400)) == .deferred)
            #expect(try await store.contacts.get(contact.id)?.status == .confirmed, "two within the window")
            #expect(try await bounce(actions, store, uid: 4, at: start.addingTimeInterval(12 * 86_400)) == .bounced)
            #expect(try await store.contacts.get(contact.id)?.status == .bounced)
        }
    }

    @Test(arguments: Backend.allCases)
    func aPermanentBounceAndAComplaintCountAgainstTheCampaignOfTheMessageTheyReturn(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let now = fixture.clock.now()
            let campaign = CampaignID()
            var jobs: [EmailJob] = []
            for address in ["ana@exemplo.com.br", "bia@exemplo.com.br"] {
                var contact = try Contact(email: try EmailAddress(address), createdAt: now)
                try contact.confirm(.init(at: now, method: .api, evidence: "test"))
                contact = try await store.contacts.insert(contact)
                jobs.append(
                    EmailJob(sendID: SendID(), campaignID: campaign, contactID: contact.id, recipient: contact.email, stream: .bulk, dueAt: now, createdAt: now))
            }
            _ = try await store.emailJobs.enqueue(jobs, events: [])
            let actions = InboxActions(store: store, signUps: nil)
            for (index, (kind, job)) in [(MessageKind.bounce, jobs[0]), (.complaint, jobs[1])].enumerated() {
                let record = try await store.inboxMessages.insert(
                    InboxMessage(
                        mailbox: "bounces@127.0.0.1:1143/INBOX", uidValidity: 1, uid: UInt32(index + 1), messageID: "r\(index)@mx.example",
                        from: "MAILER-DAEMON@mx.example", subject: "x", receivedAt: now, kind: kind == .bounce ? .bounce : .complaint, replyText: nil))
                let classification = Classification(
                    kind: kind, bounces: [BounceRecipient(recipient: job.recipient.value, status: "5.1.1", permanent: true)],
                    originalMessageID: "\(job.id.rawValue)@loja.example")
                _ = try await actions.apply(classification, to: record, recipient: nil, now: now)
            }
            let summary = try await store.engagement.summary(campaign: campaign, topLinks: 5)
            #expect(summary.bounced == 1)
            #expect(summary.complained == 1)
            #expect(try await store.contacts.find(email: jobs[0].recipient)?.status == .bounced)
        }
    }
}
