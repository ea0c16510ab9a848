import CarteiroChat
import CarteiroConversations
import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Logging
import MongoKit
import Testing

enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case mongodb

    var testDescription: String { rawValue }
}

/// The shipped support bot, trained once for the suite.
enum SupportBot {
    static let bot: Bot = {
        do {
            return try Bot.load(file: try repositoryRoot(startingAt: #filePath).appendingPathComponent("bots/support.yml").path)
        } catch {
            fatalError("bots/support.yml does not load: \(error)")
        }
    }()
}

/// A fresh store of one backend and a conversation service on it, as one process would have.
struct ConversationFixture: Sendable {
    let store: any Store
    let clock: ManualClock
    let service: ConversationService
    private let teardown: @Sendable () async -> Void

    /// Another process on the same store: its own hub and service.
    func makeService() -> ConversationService {
        ConversationService(
            dependencies: .init(
                conversations: store.conversations, messages: store.chatMessages, bot: SupportBot.bot, hub: ConversationHub(), clock: clock),
            logger: Logger(label: "test.conversations"))
    }

    static func with<T: Sendable>(_ backend: Backend, _ body: (ConversationFixture) async throws -> T) async throws -> T {
        let clock = ManualClock()
        let store: any Store
        let stop: @Sendable () async -> Void
        switch backend {
        case .sqlite:
            let folder = try TemporaryDirectory()
            let sqlite = try SQLiteStore(configuration: .inDirectory(folder.path), clock: clock)
            store = sqlite
            stop = {
                await sqlite.close()
                folder.remove()
            }
        case .mongodb:
            let server = try await MongoWireServer.start()
            do {
                // nx-27017 deviations (see StoreFixture in CarteiroStoreTests): server-default read
                // concern in transactions, no {field, _id} paging indexes.
                let mongo = try await MongoStore.connect(
                    configuration: .init(
                        uri: server.uri, concerns: MongoConcerns(writeConcern: .majority, readConcern: .serverDefault), compoundPagingIndexes: false),
                    clock: clock, logger: Logger(label: "test.mongo"))
                store = mongo
                stop = {
                    await mongo.close()
                    server.stop()
                }
            } catch {
                server.stop()
                throw error
            }
        }
        let service = ConversationService(
            dependencies: .init(
                conversations: store.conversations, messages: store.chatMessages, bot: SupportBot.bot, hub: ConversationHub(), clock: clock),
            logger: Logger(label: "test.conversations"))
        let fixture = ConversationFixture(store: store, clock: clock, service: service, teardown: stop)
        do {
            let result = try await body(fixture)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}

extension ConversationService {
    /// Posts a customer message and lets the bot answer, as a connection does.
    @discardableResult
    func say(_ text: String, in conversation: ConversationID, clientID: String = UUID().uuidString) async throws -> [ChatMessage] {
        try await post(text, clientID: clientID, to: conversation).replies
    }
}
