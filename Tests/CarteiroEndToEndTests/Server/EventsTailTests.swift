import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Logging
import MongoKit
import Testing

/// The event bus across OS processes: `carteiro events tail` in a child process sees events
/// this process appends to the same store.
@Suite(.serialized) struct EventsTailTests {
    @Test func anotherProcessSeesSQLiteEventsWithinOneSecond() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        try await assertTailSeesEvents(store: store, arguments: ["--data-dir", folder.path])
        await store.close()
    }

    @Test func anotherProcessSeesMongoEventsWithinOneSecond() async throws {
        let server = try await MongoWireServer.start()
        defer { server.stop() }
        // nx-27017 deviation (see StoreFixture): server-default read concern, no {field, _id} indexes.
        let store = try await MongoStore.connect(
            configuration: .init(uri: server.uri, concerns: MongoConcerns(writeConcern: .majority, readConcern: .serverDefault), compoundPagingIndexes: false),
            logger: Logger(label: "test"))
        try await assertTailSeesEvents(store: store, arguments: ["--store", server.uri])
        await store.close()
    }

    private func assertTailSeesEvents(store: any Store, arguments: [String]) async throws {
        let tail = try CarteiroProcess(["events", "tail", "--count", "5"] + arguments)
        try await tail.waitForStandardError(containing: "tailing after position")
        var appendedAt: [String: ContinuousClock.Instant] = [:]
        for index in 0..<5 {
            let event = DomainEvent(
                occurredAt: Date(), payload: .chatClosed(.init(conversationID: ConversationID(), closedBy: "test \(index)")))
            appendedAt[event.id.rawValue] = .now
            try await store.events.append([event])
            try await Task.sleep(for: .milliseconds(50))
        }
        let result = try await tail.waitForExit(timeout: .seconds(20))
        #expect(result.exitCode == 0)
        let lines = tail.outputLines
        #expect(lines.count == 5)
        for (line, arrived) in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let id = try #require(object?["id"] as? String)
            let sent = try #require(appendedAt[id], "the tail printed an event this test appended")
            #expect(arrived - sent < .seconds(1), "seen by the other process within a second")
        }
    }
}
