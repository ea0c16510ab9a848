import NIOCore

/// Waits on a connection's event loop, for the timeouts every connection has (idle, hello).
///
/// A `Task.sleep` that is cancelled ends at once but, on Linux, leaves its timer behind (a task
/// and a dispatch source, about 450 bytes) until the deadline passes: a connection that closed
/// kept its 300 s idle-timeout sleep for five minutes, so a flood of 1,000 connections a second
/// held 130 MB it had long stopped using. A task scheduled on the event loop is taken out of the
/// loop's queue when cancelled, and freed then.
struct EventLoopTimer: Sendable {
    let eventLoop: any EventLoop

    /// Returns at `deadline`; throws `CancellationError` at once when the task is cancelled.
    func sleep(until deadline: ContinuousClock.Instant) async throws {
        try Task.checkCancellation()
        let scheduled = eventLoop.scheduleTask(in: TimeAmount(max(.zero, deadline - .now))) {}
        try await withTaskCancellationHandler {
            do {
                try await scheduled.futureResult.get()
            } catch {
                throw CancellationError()
            }
        } onCancel: {
            scheduled.cancel()
        }
    }

    func sleep(for duration: Duration) async throws {
        try await sleep(until: .now + duration)
    }
}
