internal import CMongoC
import Dispatch
import Foundation
import NIOPosix
import Synchronization

/// A pool of libmongoc clients, and the threads that run their blocking calls.
///
/// Every libmongoc call runs on the pool's own `NIOThreadPool`, never on Swift's cooperative
/// threads. Close it with `close()`; dropping the last reference closes it too.
public final class MongoClientPool: Sendable {
    /// The database named in the URI's path, or "carteiro".
    public let databaseName: String
    /// The URI with user name, password and secret options replaced by `***`, for logs.
    public let redactedURI: String
    public let concerns: MongoConcerns

    let handle: ClientPoolHandle
    private let threadPool: NIOThreadPool
    private let isClosed = Atomic<Bool>(false)

    /// Server selection timeout used when the URI sets none, so an unreachable server fails an
    /// operation within seconds instead of libmongoc's 30.
    public static let defaultServerSelectionTimeout: Duration = .seconds(5)

    /// - Parameters:
    ///   - uri: A MongoDB connection string; its path names the database, and its options
    ///     (such as `serverSelectionTimeoutMS`, `maxPoolSize`) apply.
    ///   - threadCount: Threads running blocking libmongoc calls; at most this many operations run at once.
    ///   - appName: Reported to the server, unless the URI sets `appname`.
    ///   - concerns: Read and write concerns for every operation and transaction.
    public init(uri: String, threadCount: Int = 8, appName: String = "carteiro", concerns: MongoConcerns = .majority) throws(MongoError) {
        MongocLibrary.initialize()
        var error = bson_error_t()
        guard let parsedURI = mongoc_uri_new_with_error(uri, &error) else { throw MongoError.invalidURI(error) }
        defer { mongoc_uri_destroy(parsedURI) }

        if !mongoc_uri_has_option(parsedURI, MONGOC_URI_SERVERSELECTIONTIMEOUTMS) {
            mongoc_uri_set_option_as_int32(
                parsedURI, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, Int32(Self.defaultServerSelectionTimeout.milliseconds))
        }
        if mongoc_uri_get_appname(parsedURI) == nil, !mongoc_uri_set_appname(parsedURI, appName) {
            throw MongoError.invalidURI("application name \"\(appName)\" is not valid")
        }
        let writeConcern = concerns.makeWriteConcern()
        mongoc_uri_set_write_concern(parsedURI, writeConcern)
        mongoc_write_concern_destroy(writeConcern)
        let readConcern = concerns.makeReadConcern()
        mongoc_uri_set_read_concern(parsedURI, readConcern)
        mongoc_read_concern_destroy(readConcern)

        guard let pool = mongoc_client_pool_new_with_error(parsedURI, &error) else { throw MongoError.invalidURI(error) }
        mongoc_client_pool_set_error_api(pool, Int32(MONGOC_ERROR_API_VERSION_2))

        databaseName = mongoc_uri_get_database(parsedURI).map { String(cString: $0) } ?? "carteiro"
        redactedURI = Self.redact(uri)
        self.concerns = concerns
        handle = ClientPoolHandle(pool: pool)
        threadPool = NIOThreadPool(numberOfThreads: max(1, threadCount))
        threadPool.start()
    }

    deinit {
        shutDown()
    }

    /// Refuses new operations, waits for running ones, and frees the clients.
    ///
    /// Change streams end with a `MongoError` whose `isPoolClosed` is true.
    public func close() async {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        handle.close()
        try? await threadPool.shutdownGracefully()
    }

    private func shutDown() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        handle.close()
        threadPool.shutdownGracefully { _ in }
    }

    /// Lends a pooled connection to `body`, which runs on the pool's thread pool; the client goes
    /// back to the pool however `body` ends.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (MongoConnection) throws -> T) async throws -> T {
        let handle = self.handle
        let databaseName = self.databaseName
        let concerns = self.concerns
        guard !isClosed.load(ordering: .acquiring) else { throw MongoError.poolClosed }
        do {
            return try await threadPool.runIfActive {
                let client = try handle.pop()
                defer { handle.push(client) }
                return try body(MongoConnection(client: client, databaseName: databaseName, concerns: concerns))
            }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw MongoError.poolClosed
        } catch is CancellationError where isClosed.load(ordering: .acquiring) {
            // Work queued when the thread pool shuts down is cancelled rather than run.
            throw MongoError.poolClosed
        }
    }

    /// Runs `{ping: 1}` on `admin`.
    ///
    /// Fails within `timeout` (or the URI's `serverSelectionTimeoutMS`, whichever is shorter) when
    /// no server answers; such an error has `isServerUnreachable` set.
    public func ping(timeout: Duration) async throws(MongoError) {
        try await withConnection(timeout: timeout, doing: "answer to ping") { connection throws(MongoError) in
            _ = try connection.runCommand(["ping": 1], database: "admin")
        }
    }

    /// Lends a pooled connection to `body`, as `withConnection(_:)` does, but gives up waiting
    /// after `timeout`: the error then has `isServerUnreachable` set and says no `what` came in
    /// time. For probes that must answer quickly (readiness), not for work that must be done.
    public func withConnection<T: Sendable>(
        timeout: Duration, doing what: String, _ body: @escaping @Sendable (MongoConnection) throws(MongoError) -> T
    ) async throws(MongoError) -> T {
        let handle = self.handle
        let databaseName = self.databaseName
        let concerns = self.concerns
        guard !isClosed.load(ordering: .acquiring) else { throw MongoError.poolClosed }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, MongoError>, Never>) in
            let resumer = ResumeOnce(continuation)
            threadPool.submit { state in
                guard case .active = state else {
                    resumer.resume(.failure(.poolClosed))
                    return
                }
                resumer.resume(
                    Result { () throws(MongoError) in
                        let client = try handle.pop()
                        defer { handle.push(client) }
                        return try body(MongoConnection(client: client, databaseName: databaseName, concerns: concerns))
                    })
            }
            // The blocking call cannot be interrupted; past the deadline it finishes on its thread,
            // bounded by serverSelectionTimeoutMS, and its result is dropped.
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.milliseconds))) {
                resumer.resume(.failure(.deadlineExceeded("no \(what) within \(timeout)")))
            }
        }
        return try result.get()
    }

    /// Replaces the user information and secret-looking options of a connection string with `***`.
    static func redact(_ uri: String) -> String {
        guard let schemeEnd = uri.range(of: "://") else { return uri }
        let rest = uri[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        if let at = authority.lastIndex(of: "@") {
            authority = "***" + authority[at...]
        }
        var tail = String(rest[authorityEnd...])
        if let queryStart = tail.firstIndex(of: "?") {
            let query = tail[tail.index(after: queryStart)...].split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = parts[0].lowercased()
                let isSecret = ["password", "secret", "token"].contains { key.contains($0) } || key == "authmechanismproperties"
                return isSecret && parts.count == 2 ? "\(parts[0])=***" : String(pair)
            }
            tail = tail[...queryStart] + query.joined(separator: "&")
        }
        return uri[..<schemeEnd.upperBound] + authority + tail
    }
}

/// Resumes a continuation with the first result offered and ignores the rest.
private final class ResumeOnce<Success: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Result<Success, MongoError>, Never>?>

    init(_ continuation: CheckedContinuation<Result<Success, MongoError>, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ result: Result<Success, MongoError>) {
        let continuation = self.continuation.withLock { stored in
            defer { stored = nil }
            return stored
        }
        continuation?.resume(returning: result)
    }
}
