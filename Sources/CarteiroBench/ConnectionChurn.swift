import CarteiroChatProtocol
import CarteiroDomain
import Foundation
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Synchronization

/// Customer connections opened and closed by this process, as many at a time as asked: the load
/// of `carteiro bench connections` and `carteiro bench soak`.
struct ConnectionChurn: Sendable {
    let url: String
    /// Every `helloEvery`-th connection says hello and waits for its welcome before closing or
    /// being held; the others only open (0: none says hello).
    let helloEvery: Int
    let logger: Logger

    struct Outcome: Sendable {
        var opened = 0
        var failed = 0
        var firstFailure: String?
        var seconds = 0.0

        /// Fails when more than 1 % of the connections failed; reports fewer failures in a line.
        func check(_ what: String) throws {
            guard failed > 0 else { return }
            guard failed * 100 <= opened else { throw BenchError("\(what): \(summary)") }
            emit("  \(what): \(failed) of \(opened) connections failed: \(firstFailure ?? "")")
        }

        var summary: String {
            var text = "\(opened) connections in \(String(format: "%.1f", seconds)) s"
            if failed > 0 { text += ", FAILED \(failed): \(firstFailure ?? "")" }
            return text
        }
    }

    /// Opens and closes `count` connections, `concurrency` at a time; each is held for `hold()`
    /// (none: closed as soon as it is open, or welcomed). `opened` is called after each one closed.
    func run(count: Int, concurrency: Int, hold: @escaping @Sendable () -> Duration? = { nil }, opened: @escaping @Sendable (Int) -> Void = { _ in })
        async -> Outcome
    {
        let tally = Tally()
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<min(concurrency, count) {
                group.addTask {
                    while true {
                        let index = tally.next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard index < count else { return }
                        let failure = await connection(index, hold: hold())
                        let done = tally.outcome.withLock { outcome -> Int in
                            outcome.opened += 1
                            if let failure {
                                outcome.failed += 1
                                if outcome.firstFailure == nil { outcome.firstFailure = failure }
                            }
                            return outcome.opened
                        }
                        opened(done)
                    }
                }
            }
        }
        var outcome = tally.outcome.withLock { $0 }
        outcome.seconds = (ContinuousClock.now - started).timeInterval
        return outcome
    }

    /// Opens `count` connections, `concurrency` at a time, runs `body` with how many failed
    /// once every one is open (or failed), then closes them all and waits until they are closed.
    func withHeld<T: Sendable>(count: Int, concurrency: Int, _ body: (_ failed: Int) async -> T) async -> T {
        let opening = OpeningCount(total: count)
        let admission = AsyncSemaphore(permits: concurrency)
        let release = Release()
        return await withTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                await admission.acquire()
                group.addTask {
                    _ = await connection(
                        index, hold: nil,
                        whileOpen: {
                            await admission.release()
                            await opening.settle(failed: false)
                            await release.wait()
                        },
                        onFailure: {
                            await admission.release()
                            await opening.settle(failed: true)
                        })
                }
            }
            let result = await body(await opening.waitForAll())
            await release.open()
            await group.waitForAll()
            return result
        }
    }

    /// One connection: open, hello if its turn, hold, close. Returns why it failed, if it did.
    private func connection(
        _ index: Int, hold: Duration?, whileOpen: @escaping @Sendable () async -> Void = {}, onFailure: @escaping @Sendable () async -> Void = {}
    ) async -> String? {
        let says = helloEvery > 0 && index % helloEvery == 0
        let reached = Atomic<Bool>(false)
        do {
            try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 16), logger: logger) { inbound, outbound, _ in
                if says {
                    try await outbound.writeTextMessage(CustomerFrame.hello(locale: index % 4 == 0 ? "pt-BR" : "en").jsonText)
                    var frames = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
                    welcome: while let message = try await frames.next() {
                        guard case .text(let text) = message, let frame = try? ServerFrame(jsonText: text) else { continue }
                        switch frame {
                        case .welcome: break welcome
                        case .error(let code, let message, _): throw BenchError("hello refused: \(code.rawValue) \(message)")
                        default: continue
                        }
                    }
                }
                reached.store(true, ordering: .relaxed)
                await whileOpen()
                if let hold { try await Task.sleep(for: hold) }
                try await outbound.close(.normalClosure, reason: nil)
            }
            if !reached.load(ordering: .relaxed) {
                await onFailure()
                return "closed by the server before it was open"
            }
            return nil
        } catch {
            if !reached.load(ordering: .relaxed) { await onFailure() }
            return "\(error)"
        }
    }
}

/// The next connection to open and what the opened ones came to, shared by the openers.
private final class Tally: Sendable {
    let next = Atomic<Int>(0)
    let outcome = Mutex(ConnectionChurn.Outcome())
}

/// Lets held connections go all at once.
private actor Release {
    private var opened = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if opened { return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func open() {
        opened = true
        for continuation in waiting { continuation.resume() }
        waiting.removeAll()
    }
}

/// Counts connections being opened until every one is open or failed.
private actor OpeningCount {
    let total: Int
    private var done = 0
    private var failures = 0
    private var waiter: CheckedContinuation<Int, Never>?

    init(total: Int) { self.total = total }

    func settle(failed: Bool) {
        done += 1
        if failed { failures += 1 }
        if done == total, let waiter {
            self.waiter = nil
            waiter.resume(returning: failures)
        }
    }

    func waitForAll() async -> Int {
        if done == total { return failures }
        return await withCheckedContinuation { waiter = $0 }
    }
}

/// At most `permits` holders at once.
private actor AsyncSemaphore {
    private var permits: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) { self.permits = permits }

    func acquire() async {
        if permits > 0 {
            permits -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            permits += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
