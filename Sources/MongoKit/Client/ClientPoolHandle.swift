internal import CMongoC
import Synchronization

/// Calls mongoc_init() once per process, from whichever thread gets there first.
enum MongocLibrary {
    // A global `let` is initialized once, thread-safely (swift_once). mongoc_cleanup() is never
    // called: other pools may still be alive, and the process ending frees everything.
    private static let initialized: Void = mongoc_init()

    static func initialize() {
        _ = initialized
    }
}

/// The one owner of a mongoc_client_pool_t.
///
/// `@unchecked Sendable` because libmongoc documents mongoc_client_pool_t as thread-safe for
/// pop and push, and a popped mongoc_client_t is used by one thread at a time (the one that
/// popped it) until pushed back. The pool is destroyed only when it is closing and no client is
/// out, which the counter below guarantees; every other field is behind the mutex.
final class ClientPoolHandle: @unchecked Sendable {
    private struct State {
        var pool: OpaquePointer?
        var clientsOut = 0
        var isClosing = false
    }

    private let state: Mutex<State>

    init(pool: OpaquePointer) {
        state = Mutex(State(pool: pool))
    }

    var isClosing: Bool {
        state.withLock { $0.isClosing }
    }

    /// Takes a client, blocking while the pool is at its maximum size; push it back with `push(_:)`.
    func pop() throws(MongoError) -> OpaquePointer {
        let pool = state.withLock { state -> OpaquePointer? in
            guard !state.isClosing, let pool = state.pool else { return nil }
            state.clientsOut += 1
            return pool
        }
        guard let pool else { throw MongoError.poolClosed }
        guard let client = mongoc_client_pool_pop(pool) else {
            release()
            throw MongoError.poolClosed
        }
        return client
    }

    func push(_ client: OpaquePointer) {
        // clientsOut > 0 until release(), so the pool is alive here.
        let pool = state.withLock { $0.pool }
        if let pool { mongoc_client_pool_push(pool, client) }
        release()
    }

    /// Refuses new clients and destroys the pool as soon as none is out.
    func close() {
        let pool = state.withLock { state -> OpaquePointer? in
            state.isClosing = true
            return takePoolIfIdle(&state)
        }
        if let pool { mongoc_client_pool_destroy(pool) }
    }

    private func release() {
        let pool = state.withLock { state -> OpaquePointer? in
            state.clientsOut -= 1
            return takePoolIfIdle(&state)
        }
        if let pool { mongoc_client_pool_destroy(pool) }
    }

    private func takePoolIfIdle(_ state: inout State) -> OpaquePointer? {
        guard state.isClosing, state.clientsOut == 0, let pool = state.pool else { return nil }
        state.pool = nil
        return pool
    }

    deinit {
        if let pool = state.withLock({ $0.pool }) { mongoc_client_pool_destroy(pool) }
    }
}
