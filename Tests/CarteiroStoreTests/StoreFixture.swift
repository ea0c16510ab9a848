import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Logging
import MongoKit
import Testing

/// The two backends every contract test runs against, unchanged.
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
    /// Two nx-27017 deviations from MongoDB, worked around here and only here:
    /// - a transaction started with readConcern "majority" stores the read concern as a stray
    ///   document in the first collection it inserts into (reproduced with pymongo); production
    ///   keeps the majority default, tests use the server's default read concern;
    /// - an index `{field: 1, _id: 1}` makes every later insert fail ("JSON path error near
    ///   '_id'"); production builds those compound paging indexes, tests index the field alone.
    static func wireServer(_ uri: String) -> MongoStore.Configuration {
        .init(uri: uri, concerns: MongoConcerns(writeConcern: .majority, readConcern: .serverDefault), compoundPagingIndexes: false)
    }
}

func makeContact(_ email: String, name: String? = nil, at date: Date) throws -> Contact {
    try Contact(email: try EmailAddress(email), name: name, createdAt: date)
}

func makeJobs(_ count: Int, send: SendID = SendID(), stream: MailStream = .bulk, at date: Date, prefix: String = "user") throws -> [EmailJob] {
    try (0..<count).map { index in
        EmailJob(sendID: send, recipient: try EmailAddress("\(prefix)\(index)@example.com"), stream: stream, dueAt: date, createdAt: date)
    }
}
