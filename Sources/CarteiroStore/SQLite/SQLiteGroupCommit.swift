import GRDB
import Synchronization

/// Group commit for the embedded store: writes that arrive while another is running share the
/// next transaction and its one commit.
///
/// A commit with `synchronous = FULL` waits for the disk (about 0.8 ms on the 2-core VM), so a
/// transaction per write would cap the store near 1,250 writes per second however many callers
/// wait. Here the queued writes run one after another in one IMMEDIATE transaction, on GRDB's
/// writer queue, in arrival order, so a write sees everything written before it; each caller
/// resumes only once that commit is durable.
///
/// A write that throws fails alone. The batch first runs without savepoints (each costs two
/// statements and a copy of every page it touches); if one of its writes throws, that whole
/// transaction is rolled back and the batch runs again with each write inside a SAVEPOINT, so the
/// failed write is rolled back alone and the others commit. `updates` may therefore run twice:
/// it must only read and write the database it is given.
final class SQLiteGroupCommit: Sendable {
    /// One queued write: runs its updates in the open transaction and returns what to do once
    /// the commit's outcome is known (nil: the commit succeeded).
    private struct PendingWrite: Sendable {
        let appendsEvents: Bool
        /// Runs the updates; returns how to resume the caller once the commit's outcome is known.
        let run: @Sendable (Database) throws -> @Sendable ((any Error)?) -> Void
        let fail: @Sendable (any Error) -> Void
    }

    /// Thrown out of the batch's first transaction when one of its writes failed.
    private struct WriteFailed: Error {}

    private struct State {
        var queued: [PendingWrite] = []
        var flushing = false
    }

    private let pool: DatabasePool
    private let afterEventsCommitted: @Sendable () -> Void
    /// Guards only the hand-over of queued writes between callers and the writer queue.
    private let state = Mutex(State())

    init(pool: DatabasePool, afterEventsCommitted: @escaping @Sendable () -> Void) {
        self.pool = pool
        self.afterEventsCommitted = afterEventsCommitted
    }

    func write<T: Sendable>(appendsEvents: Bool, _ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let write = PendingWrite(
                appendsEvents: appendsEvents,
                run: { db in
                    let value = try updates(db)
                    return { commitError in
                        if let commitError { continuation.resume(throwing: commitError) } else { continuation.resume(returning: value) }
                    }
                },
                fail: { continuation.resume(throwing: $0) })
            let startFlush = state.withLock { state in
                state.queued.append(write)
                guard !state.flushing else { return false }
                state.flushing = true
                return true
            }
            if startFlush { flush() }
        }
    }

    /// Commits everything queued so far in one transaction, then again while more arrived.
    private func flush() {
        pool.asyncWriteWithoutTransaction { db in
            let batch = self.state.withLock { state in
                defer { state.queued.removeAll(keepingCapacity: true) }
                return state.queued
            }
            var completions: [@Sendable ((any Error)?) -> Void] = []
            completions.reserveCapacity(batch.count)
            do {
                do {
                    try Self.commit(batch, isolated: false, completions: &completions, in: db)
                } catch is WriteFailed {
                    try Self.commit(batch, isolated: true, completions: &completions, in: db)
                }
                if batch.contains(where: \.appendsEvents) { self.afterEventsCommitted() }
                for completion in completions { completion(nil) }
            } catch {
                // BEGIN or COMMIT failed: nothing of this batch is stored.
                for completion in completions { completion(error) }
                for write in batch.dropFirst(completions.count) { write.fail(error) }
            }
            let more = self.state.withLock { state in
                if state.queued.isEmpty { state.flushing = false }
                return state.flushing
            }
            if more { self.flush() }
        }
    }

    /// Runs `batch` in one IMMEDIATE transaction and commits it, collecting how to resume each
    /// caller. Together, the first write that throws aborts the transaction (`WriteFailed`);
    /// isolated, each write runs in a savepoint, and one that throws is rolled back and fails alone.
    private static func commit(
        _ batch: [PendingWrite], isolated: Bool, completions: inout [@Sendable ((any Error)?) -> Void], in db: Database
    ) throws {
        completions.removeAll(keepingCapacity: true)
        try db.inTransaction(.immediate) {
            for write in batch where !isolated {
                do { completions.append(try write.run(db)) } catch { throw WriteFailed() }
            }
            for write in batch where isolated {
                do {
                    try db.inSavepoint {
                        completions.append(try write.run(db))
                        return .commit
                    }
                } catch {
                    completions.append({ _ in write.fail(error) })
                }
            }
            return .commit
        }
    }
}
