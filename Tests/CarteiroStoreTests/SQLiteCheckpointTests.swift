import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Testing

/// Commits never copy the write-ahead log back into the database file (that would stall them);
/// the store's checkpointer does it in the background, so the log does not grow without end.
@Suite("SQLite checkpoints")
struct SQLiteCheckpointTests {
    @Test func theLogIsCopiedIntoTheDatabaseFileInTheBackground() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let configuration = SQLiteStore.Configuration.inDirectory(folder.path)
        let store = try SQLiteStore(configuration: configuration)
        let maintenance = Task { await store.runMaintenance() }
        let clock = ManualClock()
        // A few writes, so the first pass runs while they are still arriving.
        for batch in 0..<5 {
            try await store.contacts.insertMany(try (0..<400).map { try makeContact("c\(batch)-\($0)@example.com", at: clock.now()) })
        }
        let before = try fileSize(configuration.path)
        let deadline = ContinuousClock.now + .seconds(10)
        while try fileSize(configuration.path) <= before, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try fileSize(configuration.path) > before, "the contacts reached the database file without any commit checkpointing")
        #expect(try await store.contacts.count() == 2000)
        maintenance.cancel()
        await maintenance.value
        await store.close()
    }

    private func fileSize(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    }
}

/// Processes that start together on a fresh folder (a worker and `carteiro send`, say) all open it.
@Suite("SQLite opening")
struct SQLiteOpeningTests {
    @Test func storesOpenedAtOnceOnAFreshFolderAllMigrateIt() async throws {
        for round in 0..<5 {
            let folder = try TemporaryDirectory()
            defer { folder.remove() }
            let configuration = SQLiteStore.Configuration.inDirectory(folder.path)
            // Separate connections migrate as separate processes would.
            let opened = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let store = try SQLiteStore(configuration: configuration)
                        let count = try await store.contacts.count()
                        await store.close()
                        return count == 0
                    }
                }
                var all: [Bool] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(opened == [true, true, true, true], "round \(round)")
        }
    }
}
