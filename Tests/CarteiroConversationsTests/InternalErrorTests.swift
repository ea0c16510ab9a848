import CarteiroConversations
import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Logging
import Synchronization
import Testing

/// When the store fails, a customer gets `internal` with an error id, never the store's own
/// words (SQL, paths, hosts); those go to the log, under that id, once per interval.
@Suite struct InternalErrorTests {
    @Test func aStoreFailureReachesTheCustomerAsAnErrorIDAndTheLogWithTheDetails() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let clock = ManualClock()
        let writable = try SQLiteStore(configuration: .inDirectory(folder.path), clock: clock)
        let started = try await makeService(writable, clock: clock, logger: Logger(label: "test")).start(.init(locale: "pt-BR"))
        await writable.close()
        // The file can no longer be written (SQLite opens such a file read-only by itself).
        let store = try SQLiteStore(configuration: .readOnly(inDirectory: folder.path), clock: clock)
        let lines = CapturedLog()
        let service = makeService(store, clock: clock, logger: Logger(label: "test.internal") { _ in lines })

        var errors: [ConversationError] = []
        for attempt in 0..<3 {
            do {
                _ = try await service.post("minha internet caiu", clientID: "c\(attempt)", to: started.conversation.id)
                Issue.record("the post was stored on a read-only store")
            } catch {
                errors.append(error)
            }
        }
        let error = try #require(errors.first)
        #expect(error.code == "internal")
        let incident = try #require(error.incident)
        #expect(error.message.contains(incident))
        for leak in ["INSERT", "UPDATE", "SQL", "sqlite", "readonly", folder.path] {
            #expect(!error.message.contains(leak), "the customer is told '\(error.message)'")
        }
        #expect(errors.allSatisfy { $0.incident == incident }, "one incident stands for the repeats within the interval")
        let logged = lines.entries.filter { $0.level >= .warning }
        #expect(logged.count == 1, "\(logged.map(\.message))")
        #expect(logged.first?.metadata["incident"] == incident)
        #expect(logged.first?.metadata["error"]?.contains("readonly") == true, "the details are in the log: \(logged.first?.metadata ?? [:])")
        await store.close()
    }

    private func makeService(_ store: any Store, clock: ManualClock, logger: Logger) -> ConversationService {
        ConversationService(
            dependencies: .init(
                conversations: store.conversations, messages: store.chatMessages, bot: SupportBot.bot, hub: ConversationHub(), clock: clock),
            logger: logger)
    }
}
