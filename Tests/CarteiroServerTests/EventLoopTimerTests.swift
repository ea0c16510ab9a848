import NIOCore
import NIOPosix
import Testing

@testable import CarteiroServer

/// The connections' timeouts (idle, hello), on an event loop.
@Suite(.timeLimit(.minutes(1))) struct EventLoopTimerTests {
    let timer = EventLoopTimer(eventLoop: MultiThreadedEventLoopGroup.singleton.next())

    @Test func aSleepReturnsAtItsDeadline() async throws {
        let deadline = ContinuousClock.now + .milliseconds(20)
        try await timer.sleep(until: deadline)
        #expect(ContinuousClock.now >= deadline)
    }

    @Test func aCancelledSleepThrowsCancellationWithoutWaitingForItsDeadline() async throws {
        let started = AsyncStream<Void>.makeStream()
        let sleep = Task {
            started.continuation.yield()
            try await timer.sleep(for: .seconds(3_600))
        }
        for await _ in started.stream { break }
        sleep.cancel()
        await #expect(throws: CancellationError.self) { try await sleep.value }
    }

    @Test func aSleepInACancelledTaskThrowsAtOnce() async throws {
        let sleep = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await timer.sleep(for: .seconds(3_600))
        }
        await #expect(throws: CancellationError.self) { try await sleep.value }
    }
}
