import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

@Suite("Store writability: one contract, both backends")
struct StoreWritabilityContractTests {
    @Test(arguments: Backend.allCases)
    func aStoreThatCanBeWrittenPassesTheProbeAndTheProbeLeavesNothingVisible(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            try await fixture.store.checkWritable()
            try await fixture.store.checkWritable()
            #expect(try await fixture.store.events.read(after: 0, limit: 10).isEmpty)
            #expect(try await fixture.store.contacts.count() == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func aStoreThatIsGoneFailsTheProbe(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        await fixture.close()
        await #expect(throws: (any Error).self) { try await fixture.store.checkWritable() }
    }
}

/// The embedded store on a file the process may not write: SQLite opens such a file read-only
/// by itself (a `chmod a-w` file or folder, a read-only mount). Tests run as root, whom
/// permissions do not stop, so the store is opened read-only on purpose.
@Suite("SQLite store that cannot be written")
struct SQLiteReadOnlyStoreTests {
    @Test func readsWorkButTheProbeAndEveryWriteFailWithAOneLineStoreError() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let writable = try SQLiteStore(configuration: .inDirectory(folder.path))
        _ = try await writable.contacts.insert(try makeContact("ana@example.com", at: Date()))
        await writable.close()
        var configuration = SQLiteStore.Configuration.inDirectory(folder.path)
        configuration.readOnly = true
        let store = try SQLiteStore(configuration: configuration)
        try await store.ping()
        #expect(try await store.contacts.count() == 1)
        let probe = await #expect(throws: StoreError.self) { try await store.checkWritable() }
        #expect(probe?.isTransient == true)
        #expect(probe?.message.contains("read-only") == true, "\(probe?.message ?? "")")
        let write = await #expect(throws: StoreError.self) {
            try await store.contacts.insert(try makeContact("bia@example.com", at: Date()))
        }
        #expect(write?.message.contains("readonly") == true, "\(write?.message ?? "")")
        #expect(write?.message.contains("\n") == false, "one log line, not one per line of SQL")
        await store.close()
    }
}
