import Foundation
import GRDB

/// Copies the write-ahead log back into the database file every `interval`, instead of inside
/// the commit that crosses SQLite's size threshold: that commit, and every write queued behind
/// it, would otherwise wait for the copy and its fsync (tens of ms).
///
/// The copy is a passive checkpoint from a connection of its own: it takes no write lock, so
/// writers go on meanwhile. Under a steady stream of commits, though, a passive pass never finds
/// the log fully copied, so the log would only grow (and every frame appended past its end costs
/// the kernel a fresh, zeroed page). So when the log holds more than `restartFrames` pages
/// (128 MB), a restart checkpoint follows on the writer's own queue, between two commits: it
/// copies only what was committed during the passive pass, and the next commit writes the log
/// from its start again.
///
/// A pass copies each page once however many commits changed it since the last pass, so passes
/// two seconds apart over a long log copy far fewer pages than frequent ones: a busy chat rewrites
/// the same conversation pages many times a second (about 15 % more round trips in
/// `carteiro bench chat` than with 0.5 s and 32 MB).
///
/// The loop is `run()`, started by whoever owns the store's lifetime (`StoreService` in a server,
/// `carteiro send` around its pipeline) and ended by cancelling it: nothing starts in `init`.
final class SQLiteCheckpointer: Sendable {
    private let connection: DatabaseQueue
    private let writer: DatabasePool
    private let interval: Duration
    private let restartFrames: Int

    init(path: String, writer: DatabasePool, readOnly: Bool = false, interval: Duration = .seconds(2), restartFrames: Int = 32768) throws {
        var configuration = GRDB.Configuration()
        configuration.label = "carteiro.checkpoint"
        configuration.readonly = readOnly
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.writer = writer
        self.interval = interval
        self.restartFrames = restartFrames
    }

    /// Checkpoints every `interval` until the task is cancelled.
    func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard !Task.isCancelled else { return }
            // Best effort: a failed pass leaves the log for the next one.
            let pass = try? await connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            if let pass, pass.walFrameCount > restartFrames {
                _ = try? await writer.writeWithoutTransaction { db in try db.checkpoint(.restart) }
            }
        }
    }

    func close() {
        try? connection.close()
    }
}
