import CarteiroChat
import CarteiroConversations
import CarteiroDomain
import CarteiroTesting
import Foundation
import Testing

@Suite("Conversation service on both backends")
struct ConversationServiceTests {
    @Test(arguments: Backend.allCases)
    func startStoresOnlyTheHashOfA128BitResumeToken(_ backend: Backend) async throws {
        try await ConversationFixture.with(backend) { fixture in
            let session = try await fixture.service.start(.init(locale: "en", name: "Ana"))
            #expect(session.resumeToken.count == 22)
            let stored = try #require(try await fixture.store.conversations.get(session.conversation.id))
            #expect(stored.resumeTokenHash == SecretToken.hash(session.resumeToken))
            #expect(stored.resumeTokenHash != session.resumeToken)
            #expect(stored.locale == "en")
            #expect(stored.customerName == "Ana")
            let other = try await fixture.service.start(.init())
            #expect(other.resumeToken != session.resumeToken)
        }
    }

    @Test(arguments: Backend.allCases)
    func resumeReturnsEveryEntryAfterTheLastSequenceAndAnUnknownTokenIsRefused(_ backend: Backend) async throws {
        try await ConversationFixture.with(backend) { fixture in
            let session = try await fixture.service.start(.init(locale: "pt-BR"))
            let replies = try await fixture.service.say("oi", in: session.conversation.id)
            #expect(!replies.isEmpty)
            let resumed = try await fixture.service.start(.init(resumeToken: session.resumeToken, lastSequence: 1))
            #expect(resumed.conversation.id == session.conversation.id)
            #expect(resumed.backlog.map(\.sequence) == Array(2...(1 + replies.count)))
            #expect(resumed.lastSequence == 1 + replies.count)
            await #expect(throws: ConversationError.unknownConversation("the resume token matches no conversation")) {
                try await fixture.service.start(.init(resumeToken: SecretToken.generate()))
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aResentClientMessageIsStoredOnceAndNotAnsweredTwice(_ backend: Backend) async throws {
        try await ConversationFixture.with(backend) { fixture in
            let id = try await fixture.service.start(.init(locale: "pt-BR")).conversation.id
            let first = try await fixture.service.postCustomerMessage(to: id, clientID: "c-1", text: "oi")
            #expect(first.isNew)
            try await fixture.service.answer(first.message)
            let again = try await fixture.service.postCustomerMessage(to: id, clientID: "c-1", text: "oi")
            #expect(!again.isNew)
            #expect(again.message == first.message)
            let entries = try await fixture.service.entries(of: id, after: 0)
            #expect(entries.filter { $0.author == .customer }.count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func technicianVisitAsksTheAddressThenThePeriodAndSurvivesARestart(_ backend: Backend) async throws {
        try await ConversationFixture.with(backend) { fixture in
            let id = try await fixture.service.start(.init(locale: "pt-BR")).conversation.id
            let ask = try await fixture.service.say("quero agendar uma visita técnica", in: id)
            #expect(ask.last?.text.contains("endereço") == true, "\(ask.map(\.text))")
            // Another process (a restarted one) continues from the stored dialogue state.
            let restarted = fixture.makeService()
            let period = try await restarted.say("Rua das Flores, 123, Centro", in: id)
            #expect(period.last?.text.contains("período") == true, "\(period.map(\.text))")
            #expect(period.last?.quickReplies == ["Manhã", "Tarde", "Noite"])
            let done = try await fixture.makeService().say("de manhã", in: id)
            #expect(done.last?.text.contains("Rua das Flores, 123, Centro") == true, "\(done.map(\.text))")
            let entries = try await fixture.service.entries(of: id, after: 0)
            #expect(entries.map(\.sequence) == Array(1...entries.count))
            let events = try await fixture.store.events.read(after: 0, limit: 1000)
            #expect(events.contains { if case .chatIntentDetected(let p) = $0.payload { p.intent == "technician_visit" } else { false } })
        }
    }

    @Test(arguments: Backend.allCases)
    func theBotStaysSilentWhenTheNextSequenceIsAlreadyTaken(_ backend: Backend) async throws {
        try await ConversationFixture.with(backend) { fixture in
            let id = try await fixture.service.start(.init(locale: "pt-BR")).conversation.id
            let posted = try await fixture.service.postCustomerMessage(to: id, clientID: "c-1", text: "oi")
            // Another process answered first.
            let other = try await fixture.makeService().answer(posted.message)
            #expect(!other.isEmpty)
            #expect(try await fixture.service.answer(posted.message).isEmpty)
            let botEntries = try await fixture.service.entries(of: id, after: 0).filter { $0.author == .bot }
            #expect(botEntries.count == other.count)
        }
    }

    @Test(arguments: Backend.allCases)
    func askingForAHumanQueuesTheConversationWithAHandoffEvent(_ backend: Backend) async throws {
        try await ConversationFixture.with(backend) { fixture in
            let id = try await fixture.service.start(.init(locale: "pt-BR")).conversation.id
            let replies = try await fixture.service.say("quero falar com um atendente", in: id)
            #expect(replies.last?.notice == .queued)
            #expect(try await fixture.service.conversation(id)?.status == .waitingAgent)
            #expect(try await fixture.service.waiting().map(\.id) == [id])
            // While it waits, the bot does not answer.
            #expect(try await fixture.service.say("alô?", in: id).isEmpty)
            let events = try await fixture.store.events.read(after: 0, limit: 1000)
            let reasons = events.compactMap { if case .chatHandoffRequested(let p) = $0.payload { p.reason } else { nil } }
            #expect(reasons == ["intent:human_agent"])
        }
    }

    @Test(arguments: Backend.allCases)
    func twoFallbacksInARowHandOff(_ backend: Backend) async throws {
        try await ConversationFixture.with(backend) { fixture in
            let id = try await fixture.service.start(.init(locale: "pt-BR")).conversation.id
            try await fixture.service.say("qual a capital da mongólia?", in: id)
            #expect(try await fixture.service.conversation(id)?.status == .open)
            let second = try await fixture.service.say("receita de bolo de cenoura", in: id)
            #expect(second.last?.notice == .queued)
            #expect(try await fixture.service.conversation(id)?.status == .waitingAgent)
        }
    }

    @Test(arguments: Backend.allCases)
    func ofTwoAgentsClaimingAtOnceExactlyOneWins(_ backend: Backend) async throws {
        try await ConversationFixture.with(backend) { fixture in
            let id = try await fixture.service.start(.init(locale: "pt-BR")).conversation.id
            try await fixture.service.say("quero falar com um atendente", in: id)
            let (first, second) = (fixture.service, fixture.makeService())
            let failures = await withTaskGroup(of: ConversationError?.self) { group in
                for (service, agent) in [(first, "ana"), (second, "bia")] {
                    group.addTask {
                        do {
                            try await service.claim(id, agent: agent)
                            return nil
                        } catch {
                            return error as? ConversationError
                        }
                    }
                }
                var failures: [ConversationError?] = []
                for await result in group { failures.append(result) }
                return failures
            }
            #expect(failures.filter { $0 == nil }.count == 1)
            #expect(failures.compactMap { $0?.code } == ["already_claimed"])
            let conversation = try #require(try await fixture.service.conversation(id))
            #expect(conversation.status == .open)
            #expect(try await fixture.service.waiting().isEmpty)
            let assigned = try await fixture.service.entries(of: id, after: 0).filter { $0.notice == .assigned }
            #expect(assigned.count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func anAgentRepliesReturnsToTheBotAndClosesWithAClosedEvent(_ backend: Backend) async throws {
        try await ConversationFixture.with(backend) { fixture in
            let service = fixture.service
            let id = try await service.start(.init(locale: "pt-BR")).conversation.id
            let subscription = await service.hub.subscribe(to: id)
            try await service.say("quero falar com um atendente", in: id)
            try await service.claim(id, agent: "ana")
            // The bot does not answer a conversation an agent owns.
            #expect(try await service.say("oi, tudo bem?", in: id).isEmpty)
            await #expect(throws: ConversationError.notYourConversation()) {
                try await service.postAgentMessage(to: id, agent: "bia", clientID: "x", text: "oi")
            }
            let reply = try await service.postAgentMessage(to: id, agent: "ana", clientID: "a-1", text: "Olá, sou a Ana.")
            #expect(reply.author == .agent(id: "ana"))
            try await service.returnToBot(id, agent: "ana")
            #expect(try await !service.say("bom dia", in: id).isEmpty, "the bot answers again")
            try await service.close(id, agent: "ana")
            await #expect(throws: ConversationError.conversationClosed()) {
                try await service.postCustomerMessage(to: id, clientID: "late", text: "oi")
            }
            let events = try await fixture.store.events.read(after: 0, limit: 1000)
            #expect(events.filter { $0.kind == .chatClosed }.count == 1)
            // Every stored entry reached this process's subscriber, in order.
            let last = try await fixture.store.chatMessages.lastSequence(in: id)
            var seen: [Int] = []
            for await entry in subscription.entries {
                seen.append(entry.sequence)
                if entry.sequence == last { break }
            }
            #expect(seen == Array(1...last))
        }
    }
}
