import GRDB
import Synchronization

/// Group commit for the embedded store: writes that arrive while another is running share the
/// next transaction and its one commit.
///
/// A commit with `synchronous = FULL` waits for the disk (about 0.8 ms on the 2-core VM), so a
/// transaction per write would cap the store near 1,250 writes per second however many callers
/// wait. Here each write runs inside a SAVEPOINT of the shared IMMEDIATE transaction: a write
/// that throws is rolled back alone and fails alone; the others commit together, and each caller
/// resumes only once that commit is durable. Writes run one after another on GRDB's writer queue,
/// in arrival order, so a write sees everything written before it.
final class SQLiteGroupCommit: Sendable {
    /// One queued write: runs its updates in the open transaction and returns what to do once
    /// the commit's outcome is known (nil: the commit succeeded).
    private struct PendingWrite: Sendable {
        let appendsEvents: Bool
        let perform: @Sendable (Database) -> @Sendable ((any Error)?) -> Void
        let abandon: @Sendable (any Error) -> Void
    }

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
                perform: { db in
                    let result: Result<T, any Error>
                    do {
                        var value: T?
                        try db.inSavepoint {
                            value = try updates(db)
                            return .commit
                        }
                        result = .success(value!)
                    } catch {
                        result = .failure(error)
                    }
                    return { commitError in
                        if let commitError { continuation.resume(throwing: commitError) } else { continuation.resume(with: result) }
                    }
                },
                abandon: { continuation.resume(throwing: $0) })
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
                try db.inTransaction(.immediate) {
                    for write in batch { completions.append(write.perform(db)) }
                    return .commit
                }
                if batch.contains(where: \.appendsEvents) { self.afterEventsCommitted() }
                for completion in completions { completion(nil) }
            } catch {
                // BEGIN or COMMIT failed: nothing of this batch is stored.
                for completion in completions { completion(error) }
                for write in batch.dropFirst(completions.count) { write.abandon(error) }
            }
            let more = self.state.withLock { state in
                if state.queued.isEmpty { state.flushing = false }
                return state.flushing
            }
            if more { self.flush() }
        }
    }
}
