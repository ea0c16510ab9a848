import Foundation
import GRDB

/// Copies the write-ahead log back into the database file from a connection of its own, every
/// `interval`, instead of inside the commit that crosses SQLite's size threshold: that commit, and
/// every write queued behind it, would otherwise wait for the copy and its fsync (tens of ms).
/// A passive checkpoint takes no write lock, so writers go on meanwhile.
final class SQLiteCheckpointer: Sendable {
    private let connection: DatabaseQueue
    private let loop: Task<Void, Never>

    init(path: String, interval: Duration = .milliseconds(500)) throws {
        var configuration = GRDB.Configuration()
        configuration.label = "carteiro.checkpoint"
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        self.connection = connection
        loop = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                // Best effort: a failed pass leaves the log for the next one.
                _ = try? await connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            }
        }
    }

    func stop() {
        loop.cancel()
        try? connection.close()
    }
}
