import CarteiroChat
import CarteiroConversations
import CarteiroDomain
import CarteiroMIME
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import CarteiroUseCases
import Foundation
import Logging
import Synchronization
import Testing

@testable import CarteiroServer

/// An agent's answer in an email conversation is stored, then mailed, once: a resend of the same
/// client id after a failed mailing mails it, and a server that sends no mail stores nothing.
@Suite("Agents' answers by email — both backends")
struct EmailAnswerTests {
    static let mailFrom = try! MailAddress("contato@loja.example", displayName: "Loja")

    private func service(_ fixture: StoreFixture, answers: (any EmailAnswers)?) -> ConversationService {
        ConversationService(
            dependencies: .init(
                conversations: fixture.store.conversations, messages: fixture.store.chatMessages, bot: ChatSignUpTests.bot, hub: ConversationHub(),
                clock: fixture.clock, emailAnswers: answers),
            logger: Logger(label: "test.email-answers"))
    }

    /// A question by email, claimed by agent `ana`.
    private func claimedQuestion(_ service: ConversationService, _ fixture: StoreFixture) async throws -> ConversationID {
        let message = EmailConversations.IncomingMessage(
            sender: try EmailAddress("bia@exemplo.com.br"), name: "Bia", subject: "Sem internet", text: "Minha internet caiu.",
            messageID: "q1@exemplo.com.br", referencedMessageIDs: [], recipient: "suporte@loja.example", key: "k1")
        guard case .started(let id) = try await EmailConversations(store: fixture.store).receive(message, newConversationID: ConversationID()) else {
            throw CancellationError()
        }
        #expect(try await service.waiting().map(\.id) == [id])
        try await service.claim(id, agent: "ana")
        return id
    }

    private func answerJobs(_ store: any Store) async throws -> [EmailJob] {
        var jobs: [EmailJob] = []
        for send in try await store.sends.list(page: try PageRequest(limit: 50)).items where send.id.rawValue.hasPrefix("chat-") {
            jobs += try await store.emailJobs.jobs(sendID: send.id, page: try PageRequest(limit: 50)).items
        }
        return jobs
    }

    @Test(arguments: Backend.allCases)
    func anAnswerIsStoredThenMailedOnceAndAResendMailsNothingMore(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let service = service(fixture, answers: ChatEmailAnswers(store: fixture.store, mailFrom: Self.mailFrom))
            let id = try await claimedQuestion(service, fixture)
            let first = try await service.postAgentMessage(to: id, agent: "ana", clientID: "a-1", text: "Oi Bia, reinicie o modem, por favor.")
            let again = try await service.postAgentMessage(to: id, agent: "ana", clientID: "a-1", text: "Oi Bia, reinicie o modem, por favor.")
            #expect(again.id == first.id)
            let jobs = try await answerJobs(fixture.store)
            #expect(jobs.count == 1)
            #expect(jobs.first?.recipient.canonical == "bia@exemplo.com.br")
            #expect(jobs.first?.stream == .transactional)
            let thread = try #require(try await fixture.store.conversations.get(id)?.emailThread)
            #expect(thread.messageIDs.count == 2, "the answer's Message-ID joined the thread")
        }
    }

    @Test(arguments: Backend.allCases)
    func aFailedMailingIsReportedAndTheResendMailsIt(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let flaky = FlakyAnswers(inner: ChatEmailAnswers(store: fixture.store, mailFrom: Self.mailFrom))
            let service = service(fixture, answers: flaky)
            let id = try await claimedQuestion(service, fixture)
            let refused = await #expect(throws: ConversationError.self) {
                try await service.postAgentMessage(to: id, agent: "ana", clientID: "a-1", text: "Já verifico.")
            }
            #expect(refused?.code == "email_not_sent")
            #expect(try await answerJobs(fixture.store).isEmpty)
            let stored = try await fixture.store.chatMessages.messages(in: id, after: 0, limit: 50)
            #expect(stored.filter { $0.author == .agent(id: "ana") && $0.notice == nil }.count == 1, "the answer is kept")
            _ = try await service.postAgentMessage(to: id, agent: "ana", clientID: "a-1", text: "Já verifico.")
            #expect(try await answerJobs(fixture.store).count == 1)
            let after = try await fixture.store.chatMessages.messages(in: id, after: 0, limit: 50)
            #expect(after.filter { $0.author == .agent(id: "ana") && $0.notice == nil }.count == 1, "not stored twice")
        }
    }

    @Test(arguments: Backend.allCases)
    func aServerThatSendsNoMailStoresNoAnswerItCannotDeliver(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let service = service(fixture, answers: nil)
            let id = try await claimedQuestion(service, fixture)
            let refused = await #expect(throws: ConversationError.self) {
                try await service.postAgentMessage(to: id, agent: "ana", clientID: "a-1", text: "Oi")
            }
            #expect(refused?.code == "email_not_sent")
            let stored = try await fixture.store.chatMessages.messages(in: id, after: 0, limit: 50)
            #expect(!stored.contains { $0.author == .agent(id: "ana") && $0.notice == nil })
        }
    }
}

/// Fails the first mailing, as a store outage would, then passes the rest to `inner`.
private final class FlakyAnswers: EmailAnswers {
    let inner: any EmailAnswers
    private let failed = Atomic<Bool>(false)

    init(inner: any EmailAnswers) { self.inner = inner }

    struct Outage: Error {}

    func send(_ answer: ChatMessage, in conversation: ConversationID) async throws {
        if !failed.exchange(true, ordering: .relaxed) { throw Outage() }
        try await inner.send(answer, in: conversation)
    }
}
