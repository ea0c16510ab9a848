public import CarteiroDomain
import CarteiroEvents
public import Logging
public import ServiceLifecycle

/// Brings entries stored by other processes to this process's connections: tails the event log
/// from where it stood at start, woken by the log's append signals (and a poll for backends whose
/// signals only cover this process), and publishes each `chat.message_posted` entry of a
/// conversation with local subscribers to the hub. Connections drop what they have already seen.
public struct ConversationFeed: Service {
    private let events: any EventLog
    private let messages: any ChatMessageLog
    private let hub: ConversationHub
    private let pollInterval: Duration
    private let logger: Logger
    /// While the log cannot be read, one line per interval (with a count), not one per poll.
    private let readFailures = LogThrottle(interval: .seconds(10))

    public init(events: any EventLog, messages: any ChatMessageLog, hub: ConversationHub, pollInterval: Duration = .milliseconds(200), logger: Logger)
    {
        self.events = events
        self.messages = messages
        self.hub = hub
        self.pollInterval = pollInterval
        self.logger = logger
    }

    static let readingGap: Duration = .milliseconds(5)

    public func run() async throws {
        let doorbell = Doorbell()
        let signals = events.appendSignals()
        let start = try await events.lastPosition()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in signals { doorbell.ring() }
            }
            group.addTask {
                await cancelWhenGracefulShutdown { await follow(from: start, doorbell: doorbell) }
            }
            // Either child ending (shutdown, or the store closing the signals) ends the feed.
            await group.next()
            group.cancelAll()
        }
        await hub.finishAll()
    }

    private func follow(from start: Int64, doorbell: Doorbell) async {
        var position = start
        while !Task.isCancelled {
            do {
                position = try await deliver(after: position)
            } catch {
                let occurrence = readFailures.record("read")
                if occurrence.shouldLog {
                    logger.warning(
                        "chat feed cannot read the event log", metadata: ["error": "\(error)", "unlogged_since_last": "\(occurrence.suppressed)"])
                }
            }
            await doorbell.wait(upTo: pollInterval)
            // Commits ring many times a second under load: reading at most every few ms gathers them.
            try? await Task.sleep(for: Self.readingGap)
        }
    }

    /// Publishes what the log holds after `position`; returns the new position.
    private func deliver(after position: Int64) async throws -> Int64 {
        var position = position
        while true {
            let batch = try await events.read(after: position, limit: 500)
            guard let last = batch.last?.position else { return position }
            let notices = Set(batch.filter { $0.kind == .chatHandoffRequested || $0.kind == .chatClosed }.map(\.subject))
            let posted = batch.compactMap { event -> EventPayload.ChatMessagePosted? in
                guard case .chatMessagePosted(let posted) = event.payload else { return nil }
                return posted
            }
            // One question to the hub for the whole batch: most entries are this process's own.
            let wanted = await hub.wanted(posted.map { ($0.conversationID, $0.sequence, notices.contains($0.conversationID.rawValue)) })
            for (posted, isWanted) in zip(posted, wanted) where isWanted {
                if let entry = try await messages.messages(in: posted.conversationID, after: posted.sequence - 1, limit: 1).first,
                    entry.sequence == posted.sequence
                {
                    await hub.publish(entry)
                }
            }
            position = last
            if batch.count < 500 { return position }
        }
    }
}
