import CarteiroDomain
import CarteiroEvents
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Records what a subscriber was handed, and can be told to fail on some events.
final class RecordingSubscriber: EventSubscriber {
    let name: String
    private let received = Mutex<[Int64]>([])
    private let failing: Mutex<Set<EventID>>

    init(name: String, failingOn: Set<EventID> = []) {
        self.name = name
        self.failing = Mutex(failingOn)
    }

    struct Refused: Error {}

    func handle(_ event: DomainEvent) async throws {
        if failing.withLock({ $0.contains(event.id) }) { throw Refused() }
        received.withLock { $0.append(event.position ?? -1) }
    }

    func stopFailing() { failing.withLock { $0.removeAll() } }
    var positions: [Int64] { received.withLock { $0 } }
    var count: Int { received.withLock { $0.count } }

    /// Waits (bounded) until `predicate` holds for what was received.
    func waitUntil(timeout: Duration = .seconds(60), _ predicate: @Sendable ([Int64]) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !predicate(positions) {
            guard ContinuousClock.now < deadline else { throw TimedOut(subscriber: name, received: count) }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    struct TimedOut: Error { let subscriber: String; let received: Int }
}

/// Runs subscriptions in a ServiceGroup until `stop()` shuts them down gracefully.
struct RunningSubscriptions {
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(_ subscribers: [any EventSubscriber], log: any EventLog, pollInterval: Duration = .milliseconds(100)) {
        let logger = Logger(label: "test.events")
        let services: [any Service] = subscribers.map {
            EventSubscription(
                subscriber: $0, log: log, configuration: .init(batchSize: 500, pollInterval: pollInterval, maxAttempts: 3, retryDelay: .milliseconds(1)),
                logger: logger)
        }
        let group = ServiceGroup(services: services, logger: logger)
        self.group = group
        self.task = Task { try await group.run() }
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

@Suite("Event bus over both backends")
struct EventBusTests {
    @Test(arguments: Backend.allCases)
    func twoSubscribersGetTenThousandEventsInOrderAcrossARestart(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let total = 10_000
            let steady = RecordingSubscriber(name: "steady")
            let restarted = RecordingSubscriber(name: "restarted")
            let log = fixture.store.events
            let clock = fixture.clock
            let publisher = Task {
                for batch in stride(from: 0, to: total, by: 500) {
                    try await log.append((batch..<batch + 500).map { handoffEvent($0, at: clock.now()) })
                }
            }
            var steadyRun = RunningSubscriptions([steady, restarted], log: log)
            try await restarted.waitUntil { $0.count >= total / 3 }
            try await steadyRun.stop()
            let beforeRestart = restarted.count
            #expect(beforeRestart < total, "the restart happens in the middle")
            try await publisher.value
            steadyRun = RunningSubscriptions([steady, restarted], log: log)
            try await restarted.waitUntil { Set($0).count >= total }
            try await steady.waitUntil { Set($0).count >= total }
            try await steadyRun.stop()

            let expected = try await log.read(after: 0, limit: total + 1).compactMap(\.position)
            #expect(expected.count == total)
            for subscriber in [steady, restarted] {
                let positions = subscriber.positions
                var firstSeen: [Int64] = []
                var seen = Set<Int64>()
                for position in positions where seen.insert(position).inserted { firstSeen.append(position) }
                #expect(firstSeen == expected, "\(subscriber.name): every event, in publish order")
                // At least once: a graceful stop checkpoints what was handled, so nothing is repeated here.
                #expect(positions.count == total, "\(subscriber.name): delivered \(positions.count) times for \(total) events")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func failingHandlerIsRetriedThenParkedWhileOthersContinue(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let events = try await fixture.store.events.append((0..<5).map { handoffEvent($0, at: fixture.clock.now()) })
            let poison = events[2]
            let failing = RecordingSubscriber(name: "crm-sync", failingOn: [poison.id])
            let healthy = RecordingSubscriber(name: "analytics")
            let running = RunningSubscriptions([failing, healthy], log: fixture.store.events)
            try await healthy.waitUntil { $0.count == 5 }
            try await failing.waitUntil { $0.count == 4 }
            try await running.stop()
            #expect(failing.positions == events.compactMap(\.position).filter { $0 != poison.position })
            let parked = try await fixture.store.events.parked(subscriber: "crm-sync")
            #expect(parked.map(\.event.id) == [poison.id])
            #expect(parked.first?.error.contains("Refused") == true)
            #expect(try await fixture.store.events.checkpoint(of: "crm-sync") == events.last?.position)

            failing.stopFailing()
            let replayed = try await EventSubscription.replayParked(for: failing, log: fixture.store.events)
            #expect(replayed == 1)
            #expect(failing.positions.last == poison.position)
            #expect(try await fixture.store.events.parked(subscriber: "crm-sync").isEmpty)
        }
    }

    @Test
    func sqliteSubscriberOnASecondConnectionSeesEventsWithinOneSecond() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let writer = try SQLiteStore(configuration: .inDirectory(folder.path))
        let reader = try SQLiteStore(configuration: .inDirectory(folder.path))
        try await assertCrossInstanceDelivery(writer: writer, reader: reader)
        await writer.close()
        await reader.close()
    }

    @Test
    func mongoSubscriberOnASecondClientSeesEventsWithinOneSecond() async throws {
        let server = try await MongoWireServer.start()
        defer { server.stop() }
        let writer = try await MongoStore.connect(configuration: .wireServer(server.uri), logger: Logger(label: "writer"))
        let reader = try await MongoStore.connect(configuration: .wireServer(server.uri), logger: Logger(label: "reader"))
        try await assertCrossInstanceDelivery(writer: writer, reader: reader)
        await writer.close()
        await reader.close()
    }

    /// Another store instance on the same data has its own connections and its own in-process
    /// notifier, so only the backend's change feed or polling can wake it, as in another process.
    private func assertCrossInstanceDelivery(writer: any Store, reader: any Store) async throws {
        let subscriber = RecordingSubscriber(name: "remote")
        // Poll rarely, so a pass shows the change feed (MongoDB) or a sub-second poll (SQLite) works.
        let running = RunningSubscriptions([subscriber], log: reader.events, pollInterval: .milliseconds(400))
        try await Task.sleep(for: .milliseconds(300))
        for index in 0..<5 {
            let start = ContinuousClock.now
            let appended = try await writer.events.append([handoffEvent(index, at: Date())])
            let position = try #require(appended.first?.position)
            try await subscriber.waitUntil(timeout: .seconds(1)) { $0.contains(position) }
            #expect(ContinuousClock.now - start < .seconds(1))
        }
        try await running.stop()
    }
}
