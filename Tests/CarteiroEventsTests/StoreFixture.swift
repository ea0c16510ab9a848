import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Logging
import MongoKit
import Testing

// The event bus runs over the stores' event logs: these are CarteiroStoreTests' fixtures, cut
// down to what EventBusTests uses (test targets cannot share files, and CarteiroTesting does not
// depend on the stores).

/// The two backends the event bus is tested on.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case mongodb

    var testDescription: String { rawValue }
}

/// A fresh, empty store of one backend with a manual clock; `close()` stops what was started.
struct StoreFixture: Sendable {
    let store: any Store
    let clock: ManualClock
    private let teardown: @Sendable () async -> Void

    static func make(_ backend: Backend) async throws -> StoreFixture {
        let clock = ManualClock()
        switch backend {
        case .sqlite:
            let folder = try TemporaryDirectory()
            let store = try SQLiteStore(configuration: .inDirectory(folder.path), clock: clock)
            return StoreFixture(store: store, clock: clock) {
                await store.close()
                folder.remove()
            }
        case .mongodb:
            let server = try await MongoWireServer.start()
            do {
                let store = try await MongoStore.connect(configuration: .wireServer(server.uri), clock: clock, logger: Logger(label: "test.mongo"))
                return StoreFixture(store: store, clock: clock) {
                    await store.close()
                    server.stop()
                }
            } catch {
                server.stop()
                throw error
            }
        }
    }

    func close() async { await teardown() }

    /// Runs `body` with a fresh store and always closes it.
    static func with<T: Sendable>(_ backend: Backend, _ body: (StoreFixture) async throws -> T) async throws -> T {
        let fixture = try await make(backend)
        do {
            let result = try await body(fixture)
            await fixture.close()
            return result
        } catch {
            await fixture.close()
            throw error
        }
    }
}

extension MongoStore.Configuration {
    /// nx-27017's deviations from MongoDB, worked around as in CarteiroStoreTests' StoreFixture:
    /// the server's default read concern in transactions (a "majority" one is stored as a stray
    /// document), and no `{field: 1, _id: 1}` paging indexes (they make every later insert fail).
    static func wireServer(_ uri: String) -> MongoStore.Configuration {
        .init(uri: uri, concerns: MongoConcerns(writeConcern: .majority, readConcern: .serverDefault), compoundPagingIndexes: false)
    }
}

func handoffEvent(_ index: Int, at date: Date) -> DomainEvent {
    DomainEvent(occurredAt: date, payload: .chatHandoffRequested(.init(conversationID: ConversationID(), reason: "test \(index)")))
}
