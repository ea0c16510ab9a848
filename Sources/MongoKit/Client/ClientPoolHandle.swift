internal import CMongoC
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Calls mongoc_init() once per process, from whichever thread gets there first.
enum MongocLibrary {
    // A global `let` is initialized once, thread-safely (swift_once). mongoc_cleanup() is never
    // called: other pools may still be alive, and the process ending frees everything.
    private static let initialized: Void = {
        // Without this, libmongoc keeps its performance counters in /dev/shm/mongoc-<pid>: a
        // process killed with SIGKILL leaves its file behind, and a later process given the same
        // pid prints "Falling back to malloc for counters" on stderr. Nothing here reads them.
        setenv("MONGOC_DISABLE_SHM", "1", 0)
        mongoc_init()
        // libmongoc's default handler prints every monitor event (each failed reconnection
        // included) at DEBUG level to stderr; keep warnings and worse.
        mongoc_log_set_handler(
            { level, domain, message, userData in
                guard level.rawValue <= MONGOC_LOG_LEVEL_WARNING.rawValue else { return }
                mongoc_log_default_handler(level, domain, message, userData)
            }, nil)
    }()

    static func initialize() {
        _ = initialized
    }
}

/// The one owner of a mongoc_client_pool_t.
///
/// `@unchecked Sendable` because libmongoc documents mongoc_client_pool_t as thread-safe for
/// pop and push, and a popped mongoc_client_t is used by one thread at a time (the one that
/// popped it) until pushed back. The pool is destroyed only when it is closing and no client is
/// out, which the counter below guarantees; that state is behind the mutex.
final class ClientPoolHandle: @unchecked Sendable {
    private struct State {
        var clientsOut = 0
        var isClosing = false
        var isDestroyed = false
    }

    private let pool: OpaquePointer
    private let state = Mutex(State())

    init(pool: OpaquePointer) {
        self.pool = pool
    }

    var isClosing: Bool {
        state.withLock { $0.isClosing }
    }

    /// Takes a client, blocking while the pool is at its maximum size (at most the URI's
    /// `waitQueueTimeoutMS`, when set); push it back with `push(_:)`.
    func pop() throws(MongoError) -> OpaquePointer {
        let isOpen = state.withLock { state in
            guard !state.isClosing else { return false }
            state.clientsOut += 1
            return true
        }
        guard isOpen else { throw MongoError.poolClosed }
        guard let client = mongoc_client_pool_pop(pool) else {
            release()
            throw MongoError.poolExhausted
        }
        return client
    }

    /// Gives back a client from `pop()`; clientsOut stays above zero until then, so the pool is alive.
    func push(_ client: OpaquePointer) {
        mongoc_client_pool_push(pool, client)
        release()
    }

    /// Refuses new clients and destroys the pool as soon as none is out.
    func close() {
        let destroy = state.withLock { state in
            state.isClosing = true
            return Self.shouldDestroy(&state)
        }
        if destroy { mongoc_client_pool_destroy(pool) }
    }

    private func release() {
        let destroy = state.withLock { state in
            state.clientsOut -= 1
            return Self.shouldDestroy(&state)
        }
        if destroy { mongoc_client_pool_destroy(pool) }
    }

    /// Decides, under the lock, whether this caller destroys the pool (exactly one caller does).
    private static func shouldDestroy(_ state: inout State) -> Bool {
        guard state.isClosing, state.clientsOut == 0, !state.isDestroyed else { return false }
        state.isDestroyed = true
        return true
    }

    deinit {
        // Nobody can pop any more, so no client is out.
        if !state.withLock({ $0.isDestroyed }) { mongoc_client_pool_destroy(pool) }
    }
}
