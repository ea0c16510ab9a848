internal import CMongoC
import Foundation

extension MongoConnection {
    /// How many times a transaction runs before a transient error is given up on.
    static let maxTransactionAttempts = 10
    /// How many times a commit with an unknown outcome is sent again.
    static let maxCommitAttempts = 5

    /// Runs `body` in a transaction on a new session and commits it.
    ///
    /// The whole body runs again after a transient transaction error (such as a write conflict),
    /// up to ten times, so it must do nothing but database work through the session; a commit
    /// whose outcome is unknown is retried, which the server makes idempotent. Any other error
    /// aborts the transaction and is rethrown.
    public func withTransaction<T>(_ body: (MongoSession) throws -> T) throws -> T {
        var error = bson_error_t()
        let started = mongoc_client_start_session(client, nil, &error)
        try MongoError.check(started != nil, error)
        let pointer = started!
        let session = MongoSession(pointer: pointer)
        // Ending the session aborts a transaction still open and must happen before the client
        // goes back to the pool.
        defer { session.end() }
        let options = concerns.makeTransactionOptions()
        defer { mongoc_transaction_opts_destroy(options) }

        var attempt = 0
        while true {
            attempt += 1
            try MongoError.check(mongoc_client_session_start_transaction(pointer, options, &error), error)
            let result: T
            do {
                result = try body(session)
            } catch {
                if mongoc_client_session_in_transaction(pointer) {
                    _ = mongoc_client_session_abort_transaction(pointer, nil)
                }
                if let error = error as? MongoError, error.isTransientTransactionError, attempt < Self.maxTransactionAttempts {
                    Self.backOff(attempt: attempt)
                    continue
                }
                throw error
            }
            do {
                try commit(pointer)
                return result
            } catch {
                guard error.isTransientTransactionError, attempt < Self.maxTransactionAttempts else { throw error }
                Self.backOff(attempt: attempt)
            }
        }
    }

    private func commit(_ session: OpaquePointer) throws(MongoError) {
        var attempt = 0
        while true {
            attempt += 1
            do {
                try withReplyBSON { reply throws(MongoError) in
                    var error = bson_error_t()
                    let succeeded = mongoc_client_session_commit_transaction(session, reply, &error)
                    try MongoError.check(succeeded, error, reply: reply)
                }
                return
            } catch {
                guard error.isUnknownTransactionCommitResult, attempt < Self.maxCommitAttempts else { throw error }
            }
        }
    }

    /// Sleeps a few milliseconds, more after each attempt, so that conflicting transactions spread out.
    private static func backOff(attempt: Int) {
        let milliseconds = Double(min(5 * attempt, 50)) * Double.random(in: 0.5...1.5)
        Thread.sleep(forTimeInterval: milliseconds / 1000)
    }
}
