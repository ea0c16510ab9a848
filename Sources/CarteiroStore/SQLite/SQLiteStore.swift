public import CarteiroDomain
import GRDBSQLite
import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode, shared safely by several processes on the
/// same machine (`carteiro send` and `carteiro serve` on one data folder).
///
/// Every SQLite call runs on GRDB's own dispatch queues (one writer, a few readers), never on
/// Swift's cooperative pool: an async caller suspends while the query runs.
public final class SQLiteStore: Store {
    public struct Configuration: Sendable {
        /// The database file; its folder is created when missing.
        public var path: String
        /// How long a writer waits for another process's write lock before failing.
        public var busyTimeout: Duration
        public var maximumReaders: Int
        /// `FULL` (default) makes every commit survive a power cut; `NORMAL` only a process crash.
        public var synchronousFull: Bool
        /// Page cache of the writing connection and of each reading one, in KiB; nil keeps
        /// SQLite's 2 MB. Cached pages count in the process's resident memory.
        public var writerCacheKiB: Int?
        public var readerCacheKiB: Int?
        /// Opens an existing, migrated store without write access, as SQLite does by itself when
        /// the process may not write the file, its folder or its mount: reads work, every write
        /// fails. For looking into a store without any risk of changing it, and for tests of a
        /// store that cannot be written (file permissions do not stop root).
        public var readOnly: Bool
        /// Past this size the write-ahead log is restarted (commits write it from its start
        /// again) and its file cut back to this size (see `SQLiteCheckpointer`).
        public var walRestartBytes: Int = 128 << 20
        /// How often the write-ahead log is copied back into the database file.
        public var checkpointInterval: Duration = .seconds(2)

        public init(
            path: String, busyTimeout: Duration = .seconds(10), maximumReaders: Int = 4, synchronousFull: Bool = true,
            writerCacheKiB: Int? = nil, readerCacheKiB: Int? = nil, readOnly: Bool = false
        ) {
            self.path = path
            self.busyTimeout = busyTimeout
            self.maximumReaders = maximumReaders
            self.synchronousFull = synchronousFull
            self.writerCacheKiB = writerCacheKiB
            self.readerCacheKiB = readerCacheKiB
            self.readOnly = readOnly
        }

        /// `carteiro.sqlite` inside `dataDirectory`.
        public static func inDirectory(_ dataDirectory: String) -> Configuration {
            Configuration(path: URL(fileURLWithPath: dataDirectory).appendingPathComponent("carteiro.sqlite").path)
        }

        /// The existing store in `dataDirectory`, opened without write access (see `readOnly`).
        public static func readOnly(inDirectory dataDirectory: String) -> Configuration {
            var configuration = inDirectory(dataDirectory)
            configuration.readOnly = true
            return configuration
        }
    }

    public let contacts: any AggregateRepository<Contact>
    public let contactLists: any AggregateRepository<ContactList>
    public let templates: any AggregateRepository<Template>
    public let templateRevisions: any AggregateRepository<TemplateRevision>
    public let segments: any AggregateRepository<Segment>
    public let signUps: any AggregateRepository<SignUp>
    public let inboxMessages: any AggregateRepository<InboxMessage>
    public let mailboxCursors: any AggregateRepository<MailboxCursor>
    public let webhooks: any AggregateRepository<Webhook>
    public let webhookCursors: any AggregateRepository<WebhookCursor>
    public let webhookDeliveries: any AggregateRepository<WebhookDelivery>
    public let campaigns: any AggregateRepository<Campaign>
    public let conversations: any AggregateRepository<Conversation>
    public let chatMessages: any ChatMessageLog
    public let automations: any AggregateRepository<Automation>
    public let sends: any AggregateRepository<Send>
    public let emailJobs: any EmailJobQueue
    public let events: any EventLog
    public let relayStates: any RelayStateBoard
    public let throttle: any DeliveryThrottle
    public let accessTokens: any AccessTokenStore
    public let engagement: any EngagementLog
    public let secrets: any ServerSecrets
    public let displayName: String

    private let database: SQLiteDatabase

    /// Opens (creating if needed) and migrates the database.
    public init(configuration: Configuration, clock: any WallClock = SystemWallClock()) throws {
        let database = try SQLiteDatabase(configuration: configuration)
        self.database = database
        self.displayName = "sqlite:\(configuration.path)"
        contacts = SQLiteAggregateRepository<Contact>(database: database)
        contactLists = SQLiteAggregateRepository<ContactList>(database: database)
        templates = SQLiteAggregateRepository<Template>(database: database)
        templateRevisions = SQLiteAggregateRepository<TemplateRevision>(database: database)
        segments = SQLiteAggregateRepository<Segment>(database: database)
        signUps = SQLiteAggregateRepository<SignUp>(database: database)
        inboxMessages = SQLiteAggregateRepository<InboxMessage>(database: database)
        mailboxCursors = SQLiteAggregateRepository<MailboxCursor>(database: database)
        webhooks = SQLiteAggregateRepository<Webhook>(database: database)
        webhookCursors = SQLiteAggregateRepository<WebhookCursor>(database: database)
        webhookDeliveries = SQLiteAggregateRepository<WebhookDelivery>(database: database)
        campaigns = SQLiteAggregateRepository<Campaign>(database: database)
        conversations = SQLiteAggregateRepository<Conversation>(database: database)
        chatMessages = SQLiteChatMessageLog(database: database)
        automations = SQLiteAggregateRepository<Automation>(database: database)
        sends = SQLiteAggregateRepository<Send>(database: database)
        emailJobs = SQLiteEmailJobQueue(database: database, clock: clock)
        events = SQLiteEventLog(database: database)
        relayStates = SQLiteRelayStateBoard(database: database)
        throttle = SQLiteDeliveryThrottle(database: database)
        accessTokens = SQLiteAccessTokenStore(database: database)
        engagement = SQLiteEngagementLog(database: database)
        secrets = SQLiteServerSecrets(database: database)
    }

    public func ping() async throws {
        _ = try await database.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func checkWritable() async throws {
        try await database.probeWrite()
    }

    /// Copies the write-ahead log back into the database file every 2 s (see
    /// `SQLiteCheckpointer`) until the calling task is cancelled.
    public func runMaintenance() async { await database.runMaintenance() }

    public func close() async {
        database.notifier.finishAll()
        database.close()
    }
}

/// The connection pool, the append notifier and the write helper every repository shares.
final class SQLiteDatabase: Sendable {
    let pool: DatabasePool
    let notifier = AppendNotifier()
    private let groupCommit: SQLiteGroupCommit
    private let checkpointer: SQLiteCheckpointer
    private let busyTimeout: Duration

    init(configuration: SQLiteStore.Configuration) throws {
        let folder = URL(fileURLWithPath: configuration.path).deletingLastPathComponent()
        if !configuration.readOnly {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw StoreError(.invalidConfiguration, "cannot create the data folder \(folder.path): \(error.localizedDescription)")
            }
        }
        busyTimeout = configuration.busyTimeout
        var grdb = GRDB.Configuration()
        grdb.readonly = configuration.readOnly
        grdb.busyMode = .timeout(configuration.busyTimeout.timeInterval)
        grdb.maximumReaderCount = configuration.maximumReaders
        grdb.label = "carteiro"
        let synchronous = configuration.synchronousFull ? "FULL" : "NORMAL"
        let walRestartBytes = configuration.walRestartBytes
        grdb.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            // The checkpointer below copies the log back; commits never do.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            // The commit after a restart of the log cuts its file back to this size.
            try db.execute(sql: "PRAGMA journal_size_limit = \(walRestartBytes)")
            if let kibibytes = db.configuration.readonly ? configuration.readerCacheKiB : configuration.writerCacheKiB {
                // A negative size is in KiB.
                try db.execute(sql: "PRAGMA cache_size = \(-kibibytes)")
            }
        }
        do {
            pool = try Self.openPool(path: configuration.path, configuration: grdb)
            try Self.migrate(pool)
            checkpointer = try SQLiteCheckpointer(
                path: configuration.path, writer: pool, readOnly: configuration.readOnly, interval: configuration.checkpointInterval,
                restartBytes: walRestartBytes, writerBusyTimeout: configuration.busyTimeout)
        } catch {
            throw StoreError(.unavailable, "cannot open the SQLite store at \(configuration.path): \(error)")
        }
        let notifier = notifier
        groupCommit = SQLiteGroupCommit(pool: pool) { notifier.signal() }
    }

    /// Opening a fresh file switches it to WAL, which needs the file to itself for a moment: a
    /// process that opens it while another does may be told "database is locked" at once, without
    /// waiting (SQLite does not wait where waiting could deadlock). Trying again briefly opens it.
    private static func openPool(path: String, configuration: GRDB.Configuration) throws -> DatabasePool {
        var attempt = 0
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where attempt < 40 && [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) {
                attempt += 1
                usleep(25_000)
            }
        }
    }

    /// Two processes that start on a fresh folder at once migrate it at once: the migrator reads
    /// which migrations were applied before taking the write lock, so the slower one may find a
    /// table the other just made. Each migration commits whole or not at all, so trying again
    /// (briefly) sees the other's recorded and goes on from there.
    private static func migrate(_ pool: DatabasePool) throws {
        var attempt = 0
        while true {
            do {
                try SQLiteSchema.makeMigrator().migrate(pool)
                return
            } catch let error as DatabaseError where attempt < 40 && [.SQLITE_ERROR, .SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) {
                attempt += 1
                usleep(25_000)
            }
        }
    }

    func close() {
        checkpointer.close()
        try? pool.close()
    }

    /// The checkpointer's loop, until cancelled.
    func runMaintenance() async { await checkpointer.run() }

    /// Runs `updates` in an IMMEDIATE transaction (the write lock is taken at BEGIN, so a
    /// read-then-write inside it cannot be invalidated by another process), shared with the
    /// writes that arrived meanwhile (group commit), and signals readers of the event log when it
    /// appended events. Returns once the commit is durable; if `updates` throws, only its own
    /// changes are rolled back.
    func write<T: Sendable>(appendsEvents: Bool = false, _ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await groupCommit.write(appendsEvents: appendsEvents, updates)
        } catch {
            throw Self.storeError(error)
        }
    }

    /// A write that is rolled back: it fails as a real one would on a read-only file, folder or
    /// mount (SQLITE_READONLY) or a `query_only` connection, and leaves nothing in the file or
    /// the log. It changes `user_version` to the value it has, which Carteiro does not use (its
    /// migrations are recorded in a table). It goes through the writer's queue like every
    /// write, but waits for another process's write lock only briefly: a lock held elsewhere
    /// means the file is being written, so it can be.
    func probeWrite() async throws {
        let restoredTimeout = Int(busyTimeout / .milliseconds(1))
        do {
            try await pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA busy_timeout = 200")
                defer { try? db.execute(sql: "PRAGMA busy_timeout = \(restoredTimeout)") }
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                do {
                    try db.inTransaction(.immediate) {
                        try db.execute(sql: "PRAGMA user_version = \(version)")
                        return .rollback
                    }
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    return
                }
            }
        } catch {
            throw Self.storeError(error)
        }
    }

    func read<T: Sendable>(_ value: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(value)
        } catch {
            throw Self.storeError(error)
        }
    }

    static func storeError(_ error: any Error) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return StoreError(.timeout, "the SQLite store is busy: \(error.message ?? "")")
        case .SQLITE_CONSTRAINT: return StoreError(.duplicate, error.message ?? "constraint violated")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return StoreError(.corrupt, "the SQLite store is damaged: \(error.message ?? "")")
        case .SQLITE_READONLY: return StoreError(.unavailable, "the SQLite store is read-only to this process: \(oneLine(error))")
        default: return StoreError(.unavailable, "SQLite: \(oneLine(error))")
        }
    }

    /// GRDB's description of an error, with the statement's line breaks and indentation folded
    /// into single spaces: one log line per failure, not one per line of SQL.
    private static func oneLine(_ error: DatabaseError) -> String {
        "\(error)".split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

extension SQLiteStore {
    /// Bytes SQLite holds in this process, all its connections together: mostly page caches,
    /// which fill up to their bounds (the writer's `writerCacheKiB`, each reader's) as the store
    /// is used, and stay: memory in use that is not a leak.
    public static var memoryInUse: Int { Int(sqlite3_memory_used()) }
}
