public import Foundation

public typealias WebhookDeliveryID = Identifier<WebhookDelivery>

/// One event sent (or being sent) to one webhook: the delivery log's entry.
///
/// ```
/// retrying ──2xx──▶ delivered
///    │  └─ failure before the retry window ends: retrying again, later
///    └──── failure after it ──▶ parked ──replay──▶ queued ──▶ (as retrying)
/// ```
/// The retry window is counted from the first attempt (of the delivery, or of its replay).
public struct WebhookDelivery: Aggregate {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Failed so far; tried again at `nextAttemptAt`.
        case retrying
        case delivered
        /// Failed until the retry window ended; the webhook moved on. Replayable.
        case parked
        /// A parked delivery asked to be sent again, waiting for the webhook's loop.
        case queued
    }

    public let id: WebhookDeliveryID
    public var version: Int
    public let webhookID: WebhookID
    public let eventID: EventID
    public let eventPosition: Int64
    public let eventKind: DomainEvent.Kind
    public private(set) var status: Status
    public private(set) var attempts: Int
    /// The first attempt of the current run (reset by a replay): the retry window starts here.
    public private(set) var firstAttemptAt: Date
    public private(set) var lastAttemptAt: Date?
    public private(set) var nextAttemptAt: Date?
    /// The receiver's last HTTP status, when it answered.
    public private(set) var lastStatusCode: Int?
    /// Why the last attempt failed: the status and the start of the body, or the transport error.
    public private(set) var lastError: String?
    public private(set) var deliveredAt: Date?
    public private(set) var parkedAt: Date?
    /// How many times it was replayed from parked.
    public private(set) var replays: Int

    public init(id: WebhookDeliveryID = WebhookDeliveryID(), webhookID: WebhookID, event: DomainEvent, firstAttemptAt: Date) {
        self.id = id
        self.version = 0
        self.webhookID = webhookID
        self.eventID = event.id
        self.eventPosition = event.position ?? 0
        self.eventKind = event.kind
        self.status = .retrying
        self.attempts = 0
        self.firstAttemptAt = firstAttemptAt
        self.replays = 0
    }

    /// The key unique per webhook and event: a delivery is recorded once however often it is tried.
    public static func key(webhookID: WebhookID, eventID: EventID) -> String { "\(webhookID.rawValue)/\(eventID.rawValue)" }
    public var key: String { Self.key(webhookID: webhookID, eventID: eventID) }

    public mutating func recordSuccess(statusCode: Int, at now: Date) {
        attempts += 1
        status = .delivered
        lastAttemptAt = now
        lastStatusCode = statusCode
        lastError = nil
        nextAttemptAt = nil
        deliveredAt = now
    }

    /// Counts a failed attempt: retried after `backoff(attempts)` while the retry window lasts,
    /// parked once it is over.
    public mutating func recordFailure(
        statusCode: Int?, error: String, at now: Date, retryWindow: TimeInterval, backoff: (Int) -> TimeInterval
    ) {
        attempts += 1
        lastAttemptAt = now
        lastStatusCode = statusCode
        lastError = String(error.prefix(500))
        let next = now.addingTimeInterval(backoff(attempts))
        if next.timeIntervalSince(firstAttemptAt) > retryWindow {
            status = .parked
            parkedAt = now
            nextAttemptAt = nil
        } else {
            status = .retrying
            nextAttemptAt = next
        }
    }

    /// Queues a parked delivery to be sent again, with a fresh retry window.
    public mutating func replay(at now: Date) throws(TransitionError) {
        guard status == .parked else { throw TransitionError(entity: "webhook delivery", from: status.rawValue, to: Status.queued.rawValue) }
        status = .queued
        replays += 1
        firstAttemptAt = now
        nextAttemptAt = now
        parkedAt = nil
    }

    /// A queued replay's first attempt starts its run: from here it retries like any delivery.
    public mutating func startReplay() {
        guard status == .queued else { return }
        status = .retrying
    }

    /// Whether the webhook's loop should try it at `now`.
    public func isDue(at now: Date) -> Bool {
        (status == .retrying || status == .queued) && (nextAttemptAt ?? .distantPast) <= now
    }
}

/// Exponential backoff for webhook retries: `base` doubling per failed attempt up to `cap`.
public struct WebhookBackoff: Sendable, Hashable {
    public var base: TimeInterval
    public var cap: TimeInterval

    public init(base: TimeInterval = 1, cap: TimeInterval = 600) {
        self.base = base
        self.cap = max(base, cap)
    }

    /// The wait after the `attempts`-th failed attempt (1 → base).
    public func delay(afterAttempts attempts: Int) -> TimeInterval {
        min(cap, base * Double(1 << min(max(attempts - 1, 0), 30)))
    }
}
