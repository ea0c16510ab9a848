import CarteiroDomain
import CarteiroMIME
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import CarteiroUseCases
import Foundation
import Testing

/// Email conversations: a question waits for an agent, a threaded reply from the same address
/// continues it, anything else starts anew, and an agent's answer is one threaded send, on both
/// backends, including a message received twice and an answer sent twice.
@Suite("Email conversations — both backends")
struct EmailConversationTests {
    static let mailFrom = try! MailAddress("contato@loja.example", displayName: "Loja Exemplo")

    private func question(
        from sender: String = "ana@exemplo.com.br", id: String?, references: [String] = [], text: String = "Minha fatura veio duplicada.",
        subject: String = "Fatura de novembro", key: String? = nil
    ) throws -> EmailConversations.IncomingMessage {
        EmailConversations.IncomingMessage(
            sender: try EmailAddress(sender), name: "Ana Souza", subject: subject, text: text, messageID: id, referencedMessageIDs: references,
            recipient: "suporte@loja.example", key: key ?? "suporte@127.0.0.1:1143/INBOX#1#\(id ?? "none")")
    }

    private func receive(_ message: EmailConversations.IncomingMessage, _ fixture: StoreFixture) async throws -> EmailConversations.Received {
        try await EmailConversations(store: fixture.store).receive(message, newConversationID: ConversationID(), now: fixture.clock.now())
    }

    private func entries(_ id: ConversationID, _ store: any Store) async throws -> [ChatMessage] {
        try await store.chatMessages.messages(in: id, after: 0, limit: 100)
    }

    @Test(arguments: Backend.allCases)
    func aQuestionWaitsForAnAgentAndReceivingItAgainChangesNothing(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let message = try question(id: "q1@exemplo.com.br")
            let fixedID = ConversationID()
            let first = try await EmailConversations(store: store).receive(message, newConversationID: fixedID, now: fixture.clock.now())
            #expect(first == .started(fixedID))
            let conversation = try #require(try await store.conversations.get(fixedID))
            #expect(conversation.channel == "email")
            #expect(conversation.status == .waitingAgent)
            #expect(conversation.customerEmail?.canonical == "ana@exemplo.com.br")
            #expect(conversation.customerName == "Ana Souza")
            #expect(conversation.emailThread?.subject == "Fatura de novembro")
            #expect(conversation.emailThread?.messageIDs == ["q1@exemplo.com.br"])
            let stored = try await entries(fixedID, store)
            #expect(stored.map(\.author) == [.customer, .system])
            #expect(stored.first?.text == "Fatura de novembro\n\nMinha fatura veio duplicada.")
            #expect(stored.last?.notice == .queued)
            #expect(try await EmailConversations(store: store).receive(message, newConversationID: fixedID, now: fixture.clock.now()) == .alreadyReceived(fixedID))
            // The same mail read in a second watched mailbox (another key, another record id).
            let elsewhere = try question(id: "q1@exemplo.com.br", key: "cadastro@127.0.0.1:1143/INBOX#7#3")
            #expect(try await receive(elsewhere, fixture) == .alreadyReceived(fixedID))
            #expect(try await entries(fixedID, store).count == 2)
            #expect(try await store.conversations.count() == 1)
            let events = try await store.events.read(after: 0, limit: 100)
            #expect(events.filter { $0.kind == .chatMessagePosted }.count == 2)
            #expect(events.filter { $0.kind == .chatHandoffRequested }.count == 1, "agents' lists refresh once")
        }
    }

    @Test(arguments: Backend.allCases)
    func aThreadedReplyFromTheCustomerContinuesAndAnythingElseStartsANewConversation(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            guard case .started(let id) = try await receive(try question(id: "q1@exemplo.com.br"), fixture) else {
                Issue.record("no conversation started")
                return
            }
            var conversation = try #require(try await store.conversations.get(id))
            try conversation.assign(toAgent: "ana-agent", at: fixture.clock.now())
            conversation = try await store.conversations.update(conversation)

            let reply = try question(id: "q2@exemplo.com.br", references: ["q1@exemplo.com.br"], text: "Segue o número: 123", subject: "Re: Fatura de novembro")
            #expect(try await receive(reply, fixture) == .continued(id))
            let stored = try await entries(id, store)
            #expect(stored.last?.text == "Segue o número: 123", "no subject on a continuing message")
            #expect(stored.last?.sequence == 3)
            #expect(try await store.conversations.get(id)?.owner == .agent(id: "ana-agent"), "the agent keeps it")
            #expect(try await store.conversations.get(id)?.emailThread?.lastCustomerMessageID == "q2@exemplo.com.br")

            // Someone else quoting the thread does not write into Ana's conversation.
            let stranger = try question(from: "eve@exemplo.com.br", id: "e1@exemplo.com.br", references: ["q1@exemplo.com.br"])
            guard case .started(let other) = try await receive(stranger, fixture) else {
                Issue.record("a stranger's reply joined the thread")
                return
            }
            #expect(other != id)

            // Closed: the next reply starts a new conversation.
            var closing = try #require(try await store.conversations.get(id))
            try closing.close(at: fixture.clock.now())
            _ = try await store.conversations.update(closing)
            let late = try question(id: "q3@exemplo.com.br", references: ["q1@exemplo.com.br", "q2@exemplo.com.br"])
            guard case .started(let reopened) = try await receive(late, fixture) else {
                Issue.record("a reply to a closed conversation did not start a new one")
                return
            }
            #expect(reopened != id)
            #expect(try await store.conversations.get(reopened)?.status == .waitingAgent)
        }
    }

    @Test(arguments: Backend.allCases)
    func aConversationGivenBackToTheBotWaitsForAnAgentAgainAtTheNextEmail(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            guard case .started(let id) = try await receive(try question(id: "q1@exemplo.com.br"), fixture) else { return }
            var conversation = try #require(try await store.conversations.get(id))
            try conversation.assign(toAgent: "ana-agent", at: fixture.clock.now())
            try conversation.returnToBot(at: fixture.clock.now())
            _ = try await store.conversations.update(conversation)
            #expect(try await receive(try question(id: "q2@exemplo.com.br", references: ["q1@exemplo.com.br"]), fixture) == .continued(id))
            #expect(try await store.conversations.get(id)?.status == .waitingAgent)
            #expect(try await entries(id, store).last?.notice == .queued)
        }
    }

    @Test(arguments: Backend.allCases)
    func anAnswerIsOneThreadedSendEvenWhenSentTwiceAndItsMessageIDJoinsTheThread(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            guard case .started(let id) = try await receive(try question(id: "q1@exemplo.com.br"), fixture) else { return }
            let answer = try ChatMessage(conversationID: id, sequence: 3, author: .agent(id: "ana-agent"), text: "Olá Ana, já corrigimos {{isto}}.", createdAt: fixture.clock.now())
            let conversations = EmailConversations(store: store)
            let messageID = try await conversations.answer(answer, in: id, from: Self.mailFrom, now: fixture.clock.now())
            #expect(try await conversations.answer(answer, in: id, from: Self.mailFrom, now: fixture.clock.now()) == messageID)

            let send = try #require(try await store.sends.get(SendID(rawValue: "chat-\(answer.id.rawValue)")))
            #expect(send.stream == .transactional)
            #expect(send.threading == Send.Threading(inReplyTo: "q1@exemplo.com.br", references: ["q1@exemplo.com.br"]))
            #expect(send.replyTo?.canonical == "suporte@loja.example")
            let jobs = try await store.emailJobs.jobs(sendID: send.id, page: try PageRequest(limit: 10)).items
            #expect(jobs.count == 1, "answering twice sends once")
            #expect(jobs.first?.recipient.canonical == "ana@exemplo.com.br")
            #expect(jobs.first?.variables["answer"] == "Olá Ana, já corrigimos {{isto}}.")
            #expect(jobs.first?.variables["subject"] == "Re: Fatura de novembro")
            #expect(try await store.conversations.get(id)?.emailThread?.messageIDs == ["q1@exemplo.com.br", messageID])

            // The customer's reply to the answer (In-Reply-To our Message-ID only) continues it.
            #expect(try await receive(try question(id: "q2@exemplo.com.br", references: [messageID]), fixture) == .continued(id))
        }
    }

    @Test(arguments: Backend.allCases)
    func anUnsubscribedCustomerIsStillAnsweredABouncedOneIsNot(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            for (email, status) in [("ana@exemplo.com.br", Contact.Status.unsubscribed), ("bia@exemplo.com.br", .bounced)] {
                var contact = try Contact(email: try EmailAddress(email), createdAt: fixture.clock.now())
                try contact.confirm(.init(at: fixture.clock.now(), method: .api, evidence: "test"))
                try contact.move(to: status, at: fixture.clock.now())
                _ = try await store.contacts.insert(contact)
            }
            let conversations = EmailConversations(store: store)
            guard case .started(let ana) = try await receive(try question(id: "a1@exemplo.com.br"), fixture),
                case .started(let bia) = try await receive(try question(from: "bia@exemplo.com.br", id: "b1@exemplo.com.br"), fixture)
            else { return }
            let toAna = try ChatMessage(conversationID: ana, sequence: 3, author: .agent(id: "x"), text: "Oi Ana", createdAt: fixture.clock.now())
            _ = try await conversations.answer(toAna, in: ana, from: Self.mailFrom, now: fixture.clock.now())
            let toBia = try ChatMessage(conversationID: bia, sequence: 3, author: .agent(id: "x"), text: "Oi Bia", createdAt: fixture.clock.now())
            await #expect(throws: EmailConversationError.self) {
                try await conversations.answer(toBia, in: bia, from: Self.mailFrom, now: fixture.clock.now())
            }
            let anaJobs = try await store.emailJobs.jobs(sendID: SendID(rawValue: "chat-\(toAna.id.rawValue)"), page: try PageRequest(limit: 5))
            #expect(anaJobs.items.count == 1, "an unsubscribed customer who wrote to us gets the answer")
        }
    }
}
