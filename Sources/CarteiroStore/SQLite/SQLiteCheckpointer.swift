import Foundation
import GRDB

/// Copies the write-ahead log back into the database file every `interval`, instead of inside
/// the commit that crosses SQLite's size threshold: that commit, and every write queued behind
/// it, would otherwise wait for the copy and its fsync (tens of ms).
///
/// The copy is a passive checkpoint from a connection of its own: it takes no write lock, so
/// writers go on meanwhile. Under a steady stream of commits, though, a passive pass never finds
/// the log fully copied, so the log would only grow. So when the log holds more than
/// `restartBytes` (128 MB), a truncating checkpoint follows on the writer's own queue, between
/// two commits: it copies only what was committed during the passive pass, empties the log and
/// cuts its file to zero bytes; the next commit writes the log from its start.
///
/// The log's file used to pass that size (205 MB was seen), and to keep it:
/// - SQLite never shrinks the file by itself, and a restart checkpoint (what this used) only
///   leaves it to the next writer to start the log over, which that writer does only when it
///   can lock out every reader of the log at that moment: under steady writes the file often
///   grew on regardless (a test saw 7 MB over a 1 MB limit, with restarts that all succeeded).
///   A truncating checkpoint empties the log and its file itself. Every connection
///   also sets `journal_size_limit` to `restartBytes`, so the file is cut back to that size
///   whenever SQLite starts the log over on its own (after a pass that copied everything).
/// - The log grows while nothing restarts it: between passes (2 s of commits), and while a
///   reader still reads an old part of it (a restart waits for that reader; it used to wait
///   10 s on the writer's queue, stalling every write, then give up). Now the file's size is
///   looked at every `sizeCheckInterval` (a `stat`, every 0.1 s), and a pass starts at once when
///   it is past `restartBytes`; the truncation waits for readers only briefly and is tried again
///   on a later pass. The file then passes the limit by what is written during a check and a
///   pass (0.5 MB at 3 MB/s in the tests). While a reader holds the log nothing can empty it:
///   the file grows, and is emptied once that reader is done.
///
/// Emptying the file means the next 128 MB of log are written past its end, each page a fresh
/// one for the kernel; once per 128 MB, that is little next to writing them.
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
    private let walPath: String
    private let interval: Duration
    private let sizeCheckInterval: Duration
    private let restartBytes: Int
    private let restartFrames: Int
    private let writerBusyTimeoutMilliseconds: Int

    init(
        path: String, writer: DatabasePool, readOnly: Bool = false, interval: Duration = .seconds(2), restartBytes: Int = 128 << 20,
        writerBusyTimeout: Duration = .seconds(10)
    ) throws {
        var configuration = GRDB.Configuration()
        configuration.label = "carteiro.checkpoint"
        configuration.readonly = readOnly
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.writer = writer
        walPath = path + "-wal"
        self.interval = interval
        sizeCheckInterval = min(interval, .milliseconds(100))
        self.restartBytes = restartBytes
        let pageSize = try connection.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } ?? 4096
        // A frame is a page and its 24-byte header.
        restartFrames = max(1, restartBytes / (pageSize + 24))
        writerBusyTimeoutMilliseconds = Int(writerBusyTimeout / .milliseconds(1))
    }

    /// Checkpoints every `interval`, and at once when the log's file grows past `restartBytes`,
    /// until the task is cancelled.
    func run() async {
        var lastPass = ContinuousClock.now
        var sizeAfterLastPass = logFileSize()
        var restartBlocked = false
        while !Task.isCancelled {
            try? await Task.sleep(for: sizeCheckInterval)
            guard !Task.isCancelled else { return }
            let size = logFileSize()
            // Early only while the file grows past the limit, and not while a reader blocks
            // restarts: trying every check would hold the writer's queue most of the time.
            let early = size > restartBytes && size > sizeAfterLastPass && !restartBlocked
            guard early || ContinuousClock.now - lastPass >= interval else { continue }
            restartBlocked = await pass() == .blocked
            lastPass = .now
            sizeAfterLastPass = logFileSize()
        }
    }

    private enum Restart {
        case notNeeded, done, blocked
    }

    private func pass() async -> Restart {
        // Best effort: a failed pass leaves the log for the next one.
        let pass = try? await connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
        guard let pass, pass.walFrameCount > restartFrames else { return .notNeeded }
        let restoredTimeout = writerBusyTimeoutMilliseconds
        do {
            try await writer.writeWithoutTransaction { db in
                // Emptying the log waits for readers of it; every write queued behind it waits
                // too, so it waits briefly and a later pass tries again.
                try db.execute(sql: "PRAGMA busy_timeout = 100")
                defer { try? db.execute(sql: "PRAGMA busy_timeout = \(restoredTimeout)") }
                _ = try db.checkpoint(.truncate)
            }
            return .done
        } catch {
            return .blocked
        }
    }

    private func logFileSize() -> Int {
        (try? FileManager.default.attributesOfItem(atPath: walPath)[.size] as? Int) ?? 0
    }

    func close() {
        try? connection.close()
    }
}
