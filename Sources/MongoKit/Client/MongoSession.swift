internal import CMongoC

/// A client session, lent by `MongoConnection.withTransaction(_:)` and valid only inside it.
///
/// Pass it to each operation that belongs to the transaction. It is bound to the connection's
/// client, so it must not leave that closure (it is not `Sendable` for that reason).
public final class MongoSession {
    // The mongoc_client_session_t; nil once ended. Destroyed by `end()`, which the lender calls
    // before the client goes back to the pool, because destroying it touches the client.
    private(set) var pointer: OpaquePointer?

    init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// Appends this session's `sessionId` to an options document.
    func append(to options: OpaquePointer) throws(MongoError) {
        guard let pointer else { throw MongoError.invalidDocument("the session has ended") }
        var error = bson_error_t()
        try MongoError.check(mongoc_client_session_append(pointer, options, &error), error)
    }

    /// Whether a transaction is open on this session.
    public var inTransaction: Bool {
        pointer.map { mongoc_client_session_in_transaction($0) } ?? false
    }

    func end() {
        guard let pointer else { return }
        mongoc_client_session_destroy(pointer)
        self.pointer = nil
    }
}

@available(*, unavailable)
extension MongoSession: Sendable {}
