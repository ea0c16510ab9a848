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
            let first = try await fixture.service.post("oi", clientID: "c-1", to: id)
            #expect(first.isNew)
            #expect(!first.replies.isEmpty)
            let again = try await fixture.service.post("oi", clientID: "c-1", to: id)
            #expect(!again.isNew)
            #expect(again.message == first.message)
            #expect(again.replies.isEmpty)
            let entries = try await fixture.service.entries(of: id, after: 0)
            #expect(entries.filter { $0.author == .customer }.count == 1)
            #expect(entries.filter { $0.author == .bot }.count == first.replies.count)
            #expect(entries == [first.message] + first.replies)
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
    func aStaleSnapshotCostsARereadNotALostOrDoubledAnswer(_ backend: Backend) async throws {
        try await ConversationFixture.with(backend) { fixture in
            let session = try await fixture.service.start(.init(locale: "pt-BR"))
            let id = session.conversation.id
            // Another process moved the conversation on after this one's snapshot.
            let other = try await fixture.makeService().post("oi", clientID: "c-1", to: id)
            #expect(other.isNew && !other.replies.isEmpty)
            let mine = try await fixture.service.post("minha internet caiu", clientID: "c-2", to: id, knownAs: session.conversation)
            #expect(mine.isNew && !mine.replies.isEmpty)
            #expect(mine.message.sequence == other.replies.last!.sequence + 1)
            let entries = try await fixture.service.entries(of: id, after: 0)
            #expect(entries == [other.message] + other.replies + [mine.message] + mine.replies)
            #expect(try await fixture.service.conversation(id)?.lastSequence == entries.count)
            // An agent claimed it after this snapshot: the message is stored, the bot stays silent.
            try await fixture.service.say("quero falar com um atendente", in: id)
            try await fixture.service.claim(id, agent: "ana")
            try await fixture.service.returnToBot(id, agent: "ana")
            let stale = try #require(try await fixture.service.conversation(id))
            #expect(stale.owner == .bot && stale.status == .open)
            let otherProcess = fixture.makeService()
            try await otherProcess.say("quero falar com um atendente", in: id)
            try await otherProcess.claim(id, agent: "ana")
            let late = try await fixture.service.post("alguém aí?", clientID: "c-3", to: id, knownAs: stale)
            #expect(late.isNew && late.replies.isEmpty)
            #expect(try await fixture.service.entries(of: id, after: 0).last == late.message)
        }
    }

    /// nx-27017 deviation: transactions running at the same time fail at commit with "no such
    /// savepoint" (see ChatMessageLogContractTests), so on that server the race is a known issue.
    @Test(arguments: Backend.allCases)
    func customersWritingToOneConversationFromTwoProcessesGetEveryMessageAnsweredOnce(_ backend: Backend) async throws {
        try await ConversationFixture.with(backend) { fixture in
            try await withKnownIssue("nx-27017: concurrent transactions fail with 'no such savepoint'", isIntermittent: true) {
                try await Self.raceTwoProcesses(in: fixture)
            } when: {
                backend == .mongodb
            }
        }
    }

    private static func raceTwoProcesses(in fixture: ConversationFixture) async throws {
        let session = try await fixture.service.start(.init(locale: "pt-BR"))
        let id = session.conversation.id
        let services = [fixture.service, fixture.makeService()]
        let exchanges = try await withThrowingTaskGroup(of: [ConversationService.Exchange].self) { group in
            for (index, service) in services.enumerated() {
                group.addTask {
                    var done: [ConversationService.Exchange] = []
                    var snapshot: Conversation? = session.conversation
                    for number in 0..<6 {
                        let exchange = try await service.post("oi \(number)", clientID: "p\(index)-\(number)", to: id, knownAs: snapshot)
                        snapshot = exchange.conversation
                        done.append(exchange)
                    }
                    return done
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(exchanges.count == 12 && exchanges.allSatisfy { $0.isNew && !$0.replies.isEmpty })
        let entries = try await fixture.service.entries(of: id, after: 0)
        #expect(entries.map(\.sequence) == Array(1...entries.count))
        #expect(entries.filter { $0.author == .customer }.count == 12)
        // Each customer message is followed by its own answer, with nothing in between.
        for exchange in exchanges {
            let start = exchange.message.sequence
            #expect(Array(entries[start - 1..<start + exchange.replies.count]) == [exchange.message] + exchange.replies)
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
                try await service.post("oi", clientID: "late", to: id)
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
