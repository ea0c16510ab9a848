import CarteiroDomain
import Foundation
import Testing

@Suite struct StatusMachineTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func confirmingRecordsConsentAndAConfirmedContactCannotGoBackToPending() throws {
        var contact = try Contact(email: try EmailAddress("ana@example.com"), createdAt: now)
        try contact.confirm(.init(at: now, method: .emailReply, evidence: "<abc@mail.example.com>"))
        #expect(contact.status == .confirmed)
        #expect(contact.consent?.evidence == "<abc@mail.example.com>")
        let error = #expect(throws: TransitionError.self) { try contact.move(to: .pending, at: now) }
        #expect(error?.from == "confirmed")
        #expect(error?.to == "pending")
    }

    @Test func unsubscribedContactCanSignUpAgainAndLosesOldConsent() throws {
        var contact = try Contact(email: try EmailAddress("ana@example.com"), createdAt: now)
        try contact.confirm(.init(at: now, method: .chat, evidence: "conversation 1"))
        try contact.move(to: .unsubscribed, at: now)
        #expect(contact.status.isSuppressed)
        try contact.move(to: .pending, at: now)
        #expect(contact.consent == nil)
    }

    @Test func confirmedContactWithoutConsentIsRefused() {
        let error = #expect(throws: ValidationError.self) {
            try Contact(email: try EmailAddress("ana@example.com"), status: .confirmed, createdAt: now)
        }
        #expect(error?.field == "consent")
    }

    @Test func unknownTimeZoneIsRefused() {
        let error = #expect(throws: ValidationError.self) {
            try Contact(email: try EmailAddress("ana@example.com"), timezone: "America/Atlantis", createdAt: now)
        }
        #expect(error?.field == "timezone")
    }

    @Test func campaignFollowsItsLifecycle() throws {
        var campaign = try Campaign(
            name: "Black Friday", templateID: TemplateID(), listIDs: [ContactListID()], from: try EmailAddress("ofertas@isp.example"),
            createdAt: now)
        try campaign.move(to: .sending, at: now)
        #expect(campaign.startedAt == now)
        try campaign.move(to: .paused, at: now)
        try campaign.move(to: .sending, at: now)
        try campaign.move(to: .sent, at: now)
        #expect(campaign.finishedAt == now)
        #expect(throws: TransitionError.self) { try campaign.move(to: .sending, at: now) }
    }

    @Test func emailJobCannotLeaveAFinalStatus() throws {
        #expect(throws: TransitionError.self) { try EmailJob.Status.sent.moving(to: .leased) }
        #expect(throws: TransitionError.self) { try EmailJob.Status.failed.moving(to: .queued) }
        #expect(try EmailJob.Status.retryScheduled.moving(to: .leased) == .leased)
        #expect(!EmailJob.Status.queued.canMove(to: .sent), "a job is sent only by a lease holder")
    }

    @Test func conversationOwnedByAgentReturnsToBot() throws {
        var conversation = try Conversation(customerID: "anon-1", createdAt: now)
        try conversation.requestAgent(at: now)
        try conversation.assign(toAgent: "agent-7", at: now)
        #expect(conversation.owner == .agent(id: "agent-7"))
        #expect(conversation.status == .open)
        try conversation.returnToBot(at: now)
        #expect(conversation.owner == .bot)
        try conversation.close(at: now)
        #expect(throws: TransitionError.self) { try conversation.assign(toAgent: "agent-8", at: now) }
    }

    @Test func emptyNamesAreRefusedNamingTheField() {
        let listError = #expect(throws: ValidationError.self) { try ContactList(name: "  ", createdAt: now) }
        #expect(listError?.field == "name")
        let templateError = #expect(throws: ValidationError.self) {
            try Template(name: "welcome", subject: "Oi", htmlBody: nil, textBody: "", createdAt: now)
        }
        #expect(templateError?.field == "body")
        let messageError = #expect(throws: ValidationError.self) {
            try ChatMessage(conversationID: ConversationID(), sequence: 1, author: .customer, text: String(repeating: "x", count: 4097), createdAt: now)
        }
        #expect(messageError?.field == "text")
    }
}
