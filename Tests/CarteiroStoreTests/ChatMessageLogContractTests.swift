import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

@Suite("Chat message log: one contract, both backends")
struct ChatMessageLogContractTests {
    @Test(arguments: Backend.allCases)
    func messagesAreReadBackInSequenceOrderAfterACursorAndUpToALimit(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let log = fixture.store.chatMessages
            let conversation = ConversationID()
            let other = ConversationID()
            // Appended out of order, to show reads sort by sequence rather than by insertion.
            for sequence in [2, 1, 4, 3, 5] {
                _ = try await log.append(try message(conversation, sequence, at: fixture.clock.now()), events: [])
            }
            _ = try await log.append(try message(other, 1, at: fixture.clock.now()), events: [])

            let all = try await log.messages(in: conversation, after: 0, limit: 100)
            #expect(all.map(\.sequence) == [1, 2, 3, 4, 5])
            #expect(all.allSatisfy { $0.conversationID == conversation })
            #expect(all.first?.text == "message 1")
            #expect(all.first?.createdAt == fixture.clock.now())
            let page = try await log.messages(in: conversation, after: 2, limit: 2)
            #expect(page.map(\.sequence) == [3, 4])
            #expect(try await log.messages(in: conversation, after: 5, limit: 10).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func storedMessageKeepsEveryField(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let original = try ChatMessage(
                conversationID: ConversationID(), sequence: 1, author: .agent(id: "ana"), text: "Olá! Posso ajudar?", clientMessageID: "c-1",
                quickReplies: ["Sim", "Não"], createdAt: Date(timeIntervalSince1970: 1_700_000_000.123))
            let appended = try await fixture.store.chatMessages.append(original, events: [])
            let read = try #require(try await fixture.store.chatMessages.messages(in: original.conversationID, after: 0, limit: 1).first)
            #expect(read == original)
            #expect(appended == original)
        }
    }

    @Test(arguments: Backend.allCases)
    func lastSequenceIsTheHighestStoredAndZeroWhenNone(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let log = fixture.store.chatMessages
            let conversation = ConversationID()
            #expect(try await log.lastSequence(in: conversation) == 0)
            for sequence in 1...3 { _ = try await log.append(try message(conversation, sequence, at: fixture.clock.now()), events: []) }
            #expect(try await log.lastSequence(in: conversation) == 3)
            #expect(try await log.lastSequence(in: ConversationID()) == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func takenSequenceThrowsConflictAndStoresNothingAndAppendsNoEvents(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let log = fixture.store.chatMessages
            let conversation = ConversationID()
            let first = try message(conversation, 1, at: fixture.clock.now())
            _ = try await log.append(first, events: [posted(first)])
            let eventsBefore = try await fixture.store.events.read(after: 0, limit: 100)

            let loser = try message(conversation, 1, text: "the other answer", clientID: "late", at: fixture.clock.now())
            let error = await #expect(throws: StoreError.self) { try await log.append(loser, events: [posted(loser)]) }
            #expect(error?.isConflict == true, "\(String(describing: error))")

            let stored = try await log.messages(in: conversation, after: 0, limit: 10)
            #expect(stored.map(\.id) == [first.id])
            #expect(try await fixture.store.events.read(after: 0, limit: 100).map(\.id) == eventsBefore.map(\.id))
        }
    }

    @Test(arguments: Backend.allCases)
    func resendWithTheSameClientMessageIDReturnsTheOriginalWithoutANewMessageOrEvents(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let log = fixture.store.chatMessages
            let conversation = ConversationID()
            let original = try message(conversation, 1, clientID: "client-7", at: fixture.clock.now())
            _ = try await log.append(original, events: [posted(original)])
            fixture.clock.advance(by: .seconds(5))

            // A resend at the next free sequence, and one racing for the original's own sequence.
            for sequence in [2, 1] {
                let resend = try message(conversation, sequence, clientID: "client-7", at: fixture.clock.now())
                let returned = try await log.append(resend, events: [posted(resend)])
                #expect(returned == original)
            }

            #expect(try await log.messages(in: conversation, after: 0, limit: 10).map(\.id) == [original.id])
            let events = try await fixture.store.events.read(after: 0, limit: 100)
            #expect(events.count == 1)
            // The same client id in another conversation is a different message.
            let elsewhere = try message(ConversationID(), 1, clientID: "client-7", at: fixture.clock.now())
            #expect(try await log.append(elsewhere, events: []).id == elsewhere.id)
        }
    }

    @Test(arguments: Backend.allCases)
    func eventsAreAppendedWithTheMessage(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let log = fixture.store.chatMessages
            let conversation = ConversationID()
            let first = try message(conversation, 1, at: fixture.clock.now())
            let second = try message(conversation, 2, at: fixture.clock.now())
            _ = try await log.append(first, events: [posted(first)])
            _ = try await log.append(second, events: [posted(second)])

            let events = try await fixture.store.events.read(after: 0, limit: 100)
            let payloads = events.compactMap { event -> (ChatMessageID, Int)? in
                guard case .chatMessagePosted(let posted) = event.payload else { return nil }
                return (posted.messageID, posted.sequence)
            }
            #expect(payloads.map(\.0) == [first.id, second.id])
            #expect(payloads.map(\.1) == [1, 2])
            #expect(events.allSatisfy { $0.subject == conversation.rawValue })
        }
    }

    /// nx-27017 deviation: transactions running at the same time fail at commit with "no such
    /// savepoint" although their writes stay applied (see WorkerScaleOutTests), or find the
    /// events counter without its value ("the events counter has no value"), so on that server
    /// the race with events — a transaction per append — is a known issue. The race without
    /// events below runs no transactions and holds on both backends.
    @Test(arguments: Backend.allCases)
    func concurrentAppendersRacingForTheNextSequenceLeaveAGapFreeLogWithOneEventPerMessage(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            try await withKnownIssue("nx-27017: concurrent transactions fail with 'no such savepoint'", isIntermittent: true) {
                try await Self.race(in: fixture, withEvents: true)
            } when: {
                backend == .mongodb
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentAppendersWithoutEventsRacingForTheNextSequenceLeaveAGapFreeLog(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in try await Self.race(in: fixture, withEvents: false) }
    }

    @Test(arguments: Backend.allCases)
    func aTurnStoresItsMessagesTheConversationAndItsEventsTogether(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let now = fixture.clock.now()
            let conversation = try await fixture.store.conversations.insert(try Conversation(customerID: "anon-1", locale: "pt-BR", createdAt: now))
            let turn = try Self.turn(of: conversation, after: 0, clientID: "c-1", at: now)
            guard case .stored(let messages, let updated) = try await fixture.store.chatMessages.appendTurn(turn) else {
                Issue.record("the turn was not stored")
                return
            }
            #expect(messages == turn.messages)
            #expect(updated.version == conversation.version + 1)
            #expect(try await fixture.store.chatMessages.messages(in: conversation.id, after: 0, limit: 10) == turn.messages)
            let stored = try #require(try await fixture.store.conversations.get(conversation.id))
            #expect(stored.version == updated.version)
            #expect(stored.lastSequence == 2)
            #expect(stored.detectedIntents == ["greeting"])
            let events = try await fixture.store.events.read(after: 0, limit: 10)
            #expect(events.map(\.kind) == [.chatMessagePosted, .chatMessagePosted])

            // The same client id again: nothing new, the stored message back.
            guard case .resent(let resent) = try await fixture.store.chatMessages.appendTurn(try Self.turn(of: updated, after: 2, clientID: "c-1", at: now))
            else {
                Issue.record("a resent client id was stored again")
                return
            }
            #expect(resent == turn.messages[0])
            #expect(try await fixture.store.chatMessages.lastSequence(in: conversation.id) == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func aTurnOnAStaleConversationOrATakenSequenceStoresNothing(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let now = fixture.clock.now()
            let conversation = try await fixture.store.conversations.insert(try Conversation(customerID: "anon-1", locale: "pt-BR", createdAt: now))
            let log = fixture.store.chatMessages
            // Someone else changed the conversation after it was read.
            var moved = conversation
            moved.customerName = "Ana"
            _ = try await fixture.store.conversations.update(moved)
            await #expect(throws: StoreError.self) { try await log.appendTurn(try Self.turn(of: conversation, after: 0, clientID: "c-1", at: now)) }
            // Someone else took sequence 2 (an agent's message).
            let current = try #require(try await fixture.store.conversations.get(conversation.id))
            _ = try await log.append(try message(conversation.id, 2, at: now), events: [])
            do {
                _ = try await log.appendTurn(try Self.turn(of: current, after: 0, clientID: "c-2", at: now))
                Issue.record("a turn over a taken sequence was stored")
            } catch let error as StoreError {
                #expect(error.isConflict)
            }
            #expect(try await log.messages(in: conversation.id, after: 0, limit: 10).map(\.sequence) == [2])
            #expect(try await fixture.store.conversations.get(conversation.id)?.version == current.version)
            #expect(try await fixture.store.events.read(after: 0, limit: 10).isEmpty)
        }
    }

    /// A customer message after `sequence` and the bot's answer, leaving the conversation at the answer.
    private static func turn(of conversation: Conversation, after sequence: Int, clientID: String, at now: Date) throws -> ChatTurn {
        let question = try ChatMessage(
            conversationID: conversation.id, sequence: sequence + 1, author: .customer, text: "oi", clientMessageID: clientID, createdAt: now)
        let answer = try ChatMessage(
            conversationID: conversation.id, sequence: sequence + 2, author: .bot, text: "Olá!", quickReplies: ["Fatura"], createdAt: now)
        var updated = conversation
        updated.lastSequence = sequence + 2
        updated.detectedIntents = ["greeting"]
        return ChatTurn(messages: [question, answer], previous: conversation, conversation: updated, events: [posted(question), posted(answer)])
    }

    /// Eight appenders, fifty messages each, every one reading the last sequence and taking the
    /// next, retrying on conflict, as two chat processes answering one conversation do.
    private static func race(in fixture: StoreFixture, withEvents: Bool) async throws {
        let log = fixture.store.chatMessages
        let conversation = ConversationID()
        let now = fixture.clock.now()
        let (appenders, rounds) = (8, 50)
        let results = try await withThrowingTaskGroup(of: (stored: [ChatMessageID], conflicts: Int).self) { group in
            for appender in 0..<appenders {
                group.addTask {
                    var stored: [ChatMessageID] = []
                    var conflicts = 0
                    for round in 0..<rounds {
                        while true {
                            let next = try await log.lastSequence(in: conversation) + 1
                            let candidate = try message(conversation, next, text: "appender \(appender) round \(round)", at: now)
                            do {
                                let appended = try await log.append(candidate, events: withEvents ? [posted(candidate)] : [])
                                stored.append(appended.id)
                                break
                            } catch let error as StoreError where error.isConflict {
                                conflicts += 1
                            }
                        }
                    }
                    return (stored, conflicts)
                }
            }
            var all: [(stored: [ChatMessageID], conflicts: Int)] = []
            for try await result in group { all.append(result) }
            return all
        }
        let total = appenders * rounds
        let claimed = results.flatMap(\.stored)
        #expect(claimed.count == total)

        let messages = try await log.messages(in: conversation, after: 0, limit: total + 10)
        #expect(messages.map(\.sequence) == Array(1...total), "gap-free, no duplicates")
        #expect(Set(messages.map(\.id)) == Set(claimed), "each appender's success is what was stored")
        #expect(try await log.lastSequence(in: conversation) == total)
        #expect(results.map(\.conflicts).reduce(0, +) > 0, "the appenders did race")

        let events = try await fixture.store.events.read(after: 0, limit: total * 2)
        let postedIDs = events.compactMap { event -> ChatMessageID? in
            guard case .chatMessagePosted(let posted) = event.payload else { return nil }
            return posted.messageID
        }
        if withEvents {
            #expect(postedIDs.count == total, "one event per stored message")
            #expect(Set(postedIDs) == Set(claimed))
        } else {
            #expect(postedIDs.isEmpty)
        }
    }
}

private func message(
    _ conversation: ConversationID, _ sequence: Int, text: String? = nil, clientID: String? = nil, at date: Date
) throws -> ChatMessage {
    try ChatMessage(
        conversationID: conversation, sequence: sequence, author: .customer, text: text ?? "message \(sequence)", clientMessageID: clientID,
        createdAt: date)
}

private func posted(_ message: ChatMessage) -> DomainEvent {
    DomainEvent(
        occurredAt: message.createdAt,
        payload: .chatMessagePosted(.init(conversationID: message.conversationID, messageID: message.id, sequence: message.sequence)))
}
