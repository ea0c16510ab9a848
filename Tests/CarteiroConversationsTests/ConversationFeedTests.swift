import CarteiroConversations
import CarteiroDomain
import CarteiroTesting
import Foundation
import Logging
import Testing

@Suite("Conversation feed: entries stored by another process reach this one's connections")
struct ConversationFeedTests {
    @Test(arguments: Backend.allCases)
    func entriesStoredThroughAnotherServiceArePublishedHereInOrder(_ backend: Backend) async throws {
        try await ConversationFixture.with(backend) { fixture in
            let here = ConversationHub()
            let feed = ConversationFeed(
                events: fixture.store.events, messages: fixture.store.chatMessages, hub: here, logger: Logger(label: "test.feed"))
            let elsewhere = fixture.service
            let id = try await elsewhere.start(.init(locale: "pt-BR")).conversation.id
            let subscription = await here.subscribe(to: id)
            let running = Task { try await feed.run() }
            defer { running.cancel() }
            try await Task.sleep(for: .milliseconds(300))

            try await elsewhere.say("oi", in: id)
            try await elsewhere.say("quero falar com um atendente", in: id)
            let last = try await fixture.store.chatMessages.lastSequence(in: id)
            let seen = try await collect(subscription.entries, through: last)
            #expect(seen.map(\.sequence) == Array(1...last))
            #expect(seen.last?.notice == .queued)
        }
    }

    @Test func finishingTheHubEndsEverySubscription() async throws {
        let hub = ConversationHub()
        let subscription = await hub.subscribe(to: ConversationID())
        await hub.finishAll()
        var count = 0
        for await _ in subscription.entries { count += 1 }
        #expect(count == 0)
        let late = await hub.subscribe(to: ConversationID())
        for await _ in late.entries { count += 1 }
        #expect(count == 0)
    }
}

/// Entries from `stream` until one with `sequence` (or a duplicate-free timeout failure).
func collect(_ stream: AsyncStream<ChatMessage>, through sequence: Int, timeout: Duration = .seconds(10)) async throws -> [ChatMessage] {
    try await withThrowingTaskGroup(of: [ChatMessage]?.self) { group in
        group.addTask {
            var seen: [ChatMessage] = []
            for await entry in stream {
                if !seen.contains(where: { $0.sequence == entry.sequence }) { seen.append(entry) }
                if entry.sequence >= sequence { return seen.sorted { $0.sequence < $1.sequence } }
            }
            return seen
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let result = try await group.next(), let seen = result else {
            Issue.record("timed out waiting for sequence \(sequence)")
            return []
        }
        return seen
    }
}
