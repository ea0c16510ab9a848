import Synchronization

/// Wakes every in-process reader of the event log when this process appends events.
final class AppendNotifier: Sendable {
    private let continuations = Mutex<[Int: AsyncStream<Void>.Continuation]>([:])
    private let nextKey = Atomic<Int>(0)

    func signals() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let key = nextKey.add(1, ordering: .relaxed).newValue
        continuations.withLock { $0[key] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.continuations.withLock { $0.removeValue(forKey: key) }
        }
        return stream
    }

    func signal() {
        let all = continuations.withLock { Array($0.values) }
        for continuation in all { continuation.yield() }
    }

    func finishAll() {
        let all = continuations.withLock { state in
            defer { state.removeAll() }
            return Array(state.values)
        }
        for continuation in all { continuation.finish() }
    }
}
