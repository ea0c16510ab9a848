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
import Testing

@testable import CarteiroServer

/// The bot's sign-up flow does what it says: the contact and the confirmation exist before the
/// bot says "Enviei um email", and when they cannot, the bot says that instead.
@Suite("Sign-up by chat — both backends")
struct ChatSignUpTests {
    static let bot: Bot = {
        do {
            return try Bot.load(file: try repositoryRoot(startingAt: #filePath).appendingPathComponent("bots/support.yml").path)
        } catch {
            fatalError("bots/support.yml does not load: \(error)")
        }
    }()

    static let settings = SignUpMailSettings(
        signUpAddress: try! MailAddress("cadastro@loja.example"), mailFrom: try! MailAddress("contato@loja.example", displayName: "Loja"),
        publicURL: nil)

    private func service(_ fixture: StoreFixture, signUps: (any ChatSignUps)?) -> ConversationService {
        ConversationService(
            dependencies: .init(
                conversations: fixture.store.conversations, messages: fixture.store.chatMessages, bot: Self.bot, hub: ConversationHub(),
                clock: fixture.clock, signUps: signUps),
            logger: Logger(label: "test.chat-signup"))
    }

    private func converse(_ service: ConversationService, _ texts: [String], name: String? = nil) async throws -> (ConversationID, [String]) {
        let session = try await service.start(.init(locale: "pt-BR", name: name))
        var replies: [String] = []
        for text in texts {
            replies = try await service.post(text, clientID: UUID().uuidString, to: session.conversation.id).replies.map(\.text)
        }
        return (session.conversation.id, replies)
    }

    @Test(arguments: Backend.allCases)
    func theBotSaysItSentTheEmailOnlyOnceTheContactAndItsConfirmationAreStored(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let service = service(fixture, signUps: ChatSignUpRequests(store: store, settings: Self.settings))
            let (conversation, replies) = try await converse(service, ["quero me cadastrar", "joana.silva@exemplo.com.br"], name: "Joana Silva")
            #expect(replies.count == 1)
            #expect(replies.first?.contains("Enviei um email para joana.silva@exemplo.com.br") == true, "\(replies)")

            let contact = try #require(try await store.contacts.find(email: try EmailAddress("joana.silva@exemplo.com.br")))
            #expect(contact.status == .pending)
            #expect(contact.name == "Joana Silva", "the name the customer gave at hello")
            let signUp = try #require(try await store.signUps.findUnique("pending_email", "joana.silva@exemplo.com.br"))
            #expect(signUp.source == .chat)
            #expect(signUp.conversationID == conversation)
            #expect(signUp.confirmationMessageID != nil)
            let sends = try await store.sends.list(page: try PageRequest(limit: 10)).items
            #expect(sends.count == 1)
            #expect(sends.first?.stream == .transactional)
            let events = try await store.events.read(after: 0, limit: 200).compactMap { event -> EventPayload.ContactSignedUp? in
                if case .contactSignedUp(let payload) = event.payload { payload } else { nil }
            }
            #expect(events.map(\.source) == ["chat"])
            #expect(events.first?.conversationID == conversation)
        }
    }

    @Test(arguments: Backend.allCases)
    func anAddressThatMayNotSignUpGetsAnHonestAnswerAndNoEmail(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            var contact = try Contact(email: try EmailAddress("gil@example.com"), createdAt: fixture.clock.now())
            try contact.move(to: .complained, at: fixture.clock.now())
            _ = try await store.contacts.insert(contact)
            let service = service(fixture, signUps: ChatSignUpRequests(store: store, settings: Self.settings))
            let (_, replies) = try await converse(service, ["quero me cadastrar", "gil@example.com"])
            #expect(replies == ["Não consigo cadastrar o email gil@example.com. Se precisar, peça para falar com um atendente."])
            #expect(try await store.sends.count() == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func withoutMailConfiguredTheBotDoesNotClaimItSentAnything(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let (_, replies) = try await converse(service(fixture, signUps: nil), ["quero me cadastrar", "ana@exemplo.com"])
            #expect(replies == ["Não consegui enviar o email de confirmação agora. Tente de novo em alguns minutos."])
            #expect(try await fixture.store.contacts.count() == 0)
        }
    }
}
