import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
@testable import CarteiroUseCases
import Foundation
import Testing

/// The usage report counts what a period used, and only that period, on both backends; its CSV
/// quotes what must be quoted and never hands a spreadsheet a formula.
@Suite("Reports — both backends")
struct ReportsTests {
    @Test(arguments: Backend.allCases)
    func usageCountsSendsByStreamConversationsBotOnlyAndHandedSignUpsAndConfirmationsInThePeriod(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let day = Date(timeIntervalSince1970: 1_796_083_200)  // 2026-12-01T00:00:00Z
            let inside = day.addingTimeInterval(3_600)
            let before = day.addingTimeInterval(-3_600)
            // Conversations: two started inside the period (one handed to an agent), one the day before.
            for (start, handed) in [(inside, false), (inside.addingTimeInterval(60), true), (before, true)] {
                var conversation = try Conversation(customerID: "anon", createdAt: start)
                if handed { try conversation.requestAgent(at: start.addingTimeInterval(30)) }
                _ = try await store.conversations.insert(conversation)
            }
            // Events: sign-ups and confirmations, one of each outside the period.
            let contact = ContactID()
            let email = try EmailAddress("ana@exemplo.com.br")
            var events: [DomainEvent] = []
            for at in [inside, inside.addingTimeInterval(10), before] {
                events.append(
                    DomainEvent(occurredAt: at, payload: .contactSignedUp(.init(contactID: contact, email: email, locale: "pt-BR", source: "form"))))
            }
            for at in [inside, day.addingTimeInterval(86_400 + 1)] {
                events.append(DomainEvent(occurredAt: at, payload: .contactConfirmed(.init(contactID: contact, email: email, evidence: "test"))))
            }
            _ = try await store.events.append(events)
            // Sends: two bulk and one transactional sent inside, one bulk still queued.
            let jobs = [MailStream.bulk, .bulk, .transactional, .bulk].map { stream in
                EmailJob(sendID: SendID(), recipient: email, stream: stream, dueAt: inside, createdAt: inside)
            }
            _ = try await store.emailJobs.enqueue(jobs, events: [])
            let claimed = try await store.emailJobs.claim(
                ClaimRequest(owner: "w", limit: 3, leaseDuration: .seconds(30), now: inside.addingTimeInterval(1)))
            #expect(claimed.count == 3)
            _ = try await store.emailJobs.record(
                claimed.map { EmailJobOutcome(jobID: $0.id, leaseToken: $0.lease?.token ?? "", result: .sent(relay: "r1")) }, at: inside.addingTimeInterval(2))

            let usage = try await Reports(store: store).usage(from: day, to: day.addingTimeInterval(86_400))
            #expect(usage.conversations == 2)
            #expect(usage.conversationsHandedToAgents == 1)
            #expect(usage.botOnlyConversations == 1)
            #expect(usage.signUps == 2)
            #expect(usage.confirmedContacts == 1)
            #expect(usage.sentByStream[.transactional] == 1)
            #expect((usage.sentByStream[.bulk] ?? 0) + (usage.sentByStream[.transactional] ?? 0) == 3)
            let csv = ReportCSV.usage(usage)
            #expect(csv.contains("conversations,handed_to_agents,1\r\n"))
            #expect(csv.contains("period,from,2026-12-01T00:00:00Z\r\n"))
        }
    }

    @Test func csvFieldsAreQuotedWhenTheyMustAndFormulasAreDefused() {
        #expect(ReportCSV.field("https://loja.example/a,b") == "\"https://loja.example/a,b\"")
        #expect(ReportCSV.field("diz \"oi\"") == "\"diz \"\"oi\"\"\"")
        #expect(ReportCSV.field("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(ReportCSV.field("-3") == "-3", "a negative number stays a number")
        #expect(ReportCSV.field("5.1.1") == "5.1.1")
    }
}
