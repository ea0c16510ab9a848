public import CarteiroDomain
public import Foundation
public import Logging
import Metrics

/// Delivers one webhook's events: every wanted event after its cursor, in log order, each POSTed
/// until a 2xx answers or the retry window ends (then it is parked and the webhook moves on),
/// and parked deliveries that were queued for replay.
///
/// At least once: the cursor moves past an event only after its outcome is stored, so a process
/// that stops between the POST and that write sends the event again. One process at a time: a
/// deliverer works a webhook only while it holds the webhook cursor's lease.
public final class WebhookDeliverer: Sendable {
    /// What a pass came to, and when to look again.
    public enum Pass: Sendable, Equatable {
        /// Another process holds the webhook's lease.
        case notLeased
        /// Nothing more to do now; `nextAttempt` is when a failed delivery is due again, if one is.
        case idle(nextAttempt: Date?)
    }

    private let store: any Store
    private let poster: WebhookPoster
    private let configuration: WebhookConfiguration
    private let clock: any WallClock
    private let holder: String
    private let logger: Logger

    public init(
        store: any Store, poster: WebhookPoster, configuration: WebhookConfiguration, clock: any WallClock = SystemWallClock(),
        holder: String = UUID().uuidString, logger: Logger
    ) {
        self.store = store
        self.poster = poster
        self.configuration = configuration
        self.clock = clock
        self.holder = holder
        self.logger = logger
    }

    /// Does everything due for `webhook` now.
    public func deliverDue(_ webhook: Webhook) async throws -> Pass {
        guard var cursor = try await lease(webhook) else { return .notLeased }
        var nextAttempt = try await deliverReplays(webhook, cursor: &cursor)
        if cursor.leaseHolder != holder { return .notLeased }
        let streamNext = try await deliverStream(webhook, cursor: &cursor)
        if cursor.leaseHolder != holder { return .notLeased }
        if let streamNext { nextAttempt = min(nextAttempt ?? streamNext, streamNext) }
        return .idle(nextAttempt: nextAttempt)
    }

    /// When a loop ends: the cursor of a deleted webhook goes; otherwise the lease is given up, so
    /// that another process may take the webhook at once (at shutdown).
    public func finish(_ webhookID: WebhookID) async {
        guard var cursor = try? await store.webhookCursors.findUnique("webhook", webhookID.rawValue) else { return }
        if case .some(.none) = try? await store.webhooks.get(webhookID) {
            _ = try? await store.webhookCursors.delete(cursor.id)
            return
        }
        guard cursor.leaseHolder == holder else { return }
        cursor.releaseLease(of: holder)
        _ = try? await store.webhookCursors.update(cursor)
    }

    // MARK: The stream

    /// Wanted events after the cursor, in order; stops at one that failed and is not parked yet,
    /// returning when it is due again.
    private func deliverStream(_ webhook: Webhook, cursor: inout WebhookCursor) async throws -> Date? {
        while true {
            // A long backlog is worked through in one pass; a shutdown stops it between events.
            try Task.checkCancellation()
            let events = try await store.events.read(after: cursor.position, limit: configuration.batchSize)
            guard !events.isEmpty else { return nil }
            var skipped = false
            for event in events {
                guard let position = event.position else { continue }
                guard webhook.wants(event.kind) else {
                    cursor.advance(to: position)
                    skipped = true
                    continue
                }
                let key = WebhookDelivery.key(webhookID: webhook.id, eventID: event.id)
                let existing = try await store.webhookDeliveries.findUnique("key", key)
                if let existing, existing.status == .delivered || existing.status == .parked || existing.status == .queued {
                    // Done before a stop that came before the cursor's write.
                    cursor.advance(to: position)
                    skipped = true
                    continue
                }
                if let existing, !existing.isDue(at: clock.now()) {
                    if skipped { guard try await save(&cursor) else { return nil } }
                    return existing.nextAttemptAt
                }
                guard try await renewIfNeeded(&cursor, force: skipped) else { return nil }
                let delivery = try await attempt(event, of: webhook, recorded: existing)
                guard delivery.status == .delivered || delivery.status == .parked else { return delivery.nextAttemptAt }
                cursor.advance(to: position)
                guard try await save(&cursor) else { return nil }
                skipped = false
            }
            if skipped { guard try await save(&cursor) else { return nil } }
        }
    }

    // MARK: Replays

    /// Parked deliveries queued for replay (and replays still retrying): each tried when due,
    /// beside the stream, never holding it up. Returns the earliest next attempt.
    private func deliverReplays(_ webhook: Webhook, cursor: inout WebhookCursor) async throws -> Date? {
        var pending: [WebhookDelivery] = []
        for status in [WebhookDelivery.Status.queued, .retrying] {
            let page = try await store.webhookDeliveries.find(
                "webhook_status", equals: "\(webhook.id.rawValue)/\(status.rawValue)", page: try PageRequest(limit: 100))
            // A retrying delivery ahead of the cursor is the stream's own.
            pending += page.items.filter { $0.eventPosition <= cursor.position }
        }
        var nextAttempt: Date?
        for var delivery in pending.sorted(by: { $0.eventPosition < $1.eventPosition }) {
            guard delivery.isDue(at: clock.now()) else {
                if let due = delivery.nextAttemptAt { nextAttempt = min(nextAttempt ?? due, due) }
                continue
            }
            let events = try await store.events.read(after: delivery.eventPosition - 1, limit: 1)
            guard let event = events.first, event.id == delivery.eventID else {
                logger.warning("a replayed webhook delivery's event is no longer in the log", metadata: ["delivery": "\(delivery.id)"])
                continue
            }
            guard try await renewIfNeeded(&cursor, force: false) else { return nil }
            delivery.startReplay()
            delivery = try await attempt(event, of: webhook, recorded: delivery)
            if delivery.status == .retrying, let due = delivery.nextAttemptAt { nextAttempt = min(nextAttempt ?? due, due) }
        }
        return nextAttempt
    }

    // MARK: One attempt

    /// POSTs `event` once and stores the outcome in its delivery record (made on the first attempt).
    private func attempt(_ event: DomainEvent, of webhook: Webhook, recorded: WebhookDelivery?) async throws -> WebhookDelivery {
        let body = try WebhookEventBody(event: event, webhookID: webhook.id).encoded()
        let now = clock.now()
        let signature = WebhookSignature(secret: webhook.secret, timestamp: Int64(now.timeIntervalSince1970), body: body)
        var delivery = recorded ?? WebhookDelivery(webhookID: webhook.id, event: event, firstAttemptAt: now)
        let outcome = await poster.post(
            to: webhook.url, body: body,
            headers: [
                (WebhookSignature.headerName, signature.headerValue), ("Carteiro-Event-Id", event.id.rawValue),
                ("Carteiro-Event-Kind", event.kind.rawValue), ("Carteiro-Delivery-Attempt", "\(delivery.attempts + 1)"),
            ])
        // Stopped mid-request (shutdown): nothing is recorded; the event goes out again from the
        // cursor, in this process's next run or another's.
        try Task.checkCancellation()
        let finished = clock.now()
        switch outcome {
        case .delivered(let statusCode):
            delivery.recordSuccess(statusCode: statusCode, at: finished)
        case .failed(let statusCode, let reason):
            let backoff = configuration.backoff
            delivery.recordFailure(
                statusCode: statusCode, error: reason, at: finished, retryWindow: configuration.retryWindow,
                backoff: { backoff.delay(afterAttempts: $0) })
            let metadata: Logger.Metadata = [
                "webhook": "\(webhook.id)", "event": "\(event.id)", "kind": "\(event.kind.rawValue)", "attempts": "\(delivery.attempts)",
                "error": "\(reason)",
            ]
            if delivery.status == .parked {
                logger.warning("a webhook delivery failed until its retry window ended and was parked", metadata: metadata)
            } else if delivery.attempts == 1 {
                logger.notice("a webhook delivery failed; it will be retried", metadata: metadata)
            }
        }
        // Per outcome of an attempt, not per webhook: webhook ids would make the series unbounded.
        Counter(
            label: "carteiro_webhook_attempts_total", dimensions: [("outcome", delivery.status == .retrying ? "failed" : delivery.status.rawValue)]
        )
        .increment()
        if delivery.version == 0 {
            do {
                return try await store.webhookDeliveries.insert(delivery)
            } catch let error as StoreError where error.isDuplicate {
                // Only when another process recorded it first, its lease having run out during this
                // request: its record stands (the receiver got the event at least once either way).
                guard let stored = try await store.webhookDeliveries.findUnique("key", delivery.key) else { throw error }
                return stored
            }
        }
        return try await store.webhookDeliveries.update(delivery)
    }

    // MARK: The lease

    /// The webhook's cursor with this process's lease on it, or nil when another holds it. A new
    /// webhook's cursor starts where the log ended when the webhook was made.
    private func lease(_ webhook: Webhook) async throws -> WebhookCursor? {
        var cursor: WebhookCursor
        if let stored = try await store.webhookCursors.findUnique("webhook", webhook.id.rawValue) {
            cursor = stored
        } else {
            // A webhook deleted meanwhile gets no new cursor: that would send its history again.
            guard try await store.webhooks.get(webhook.id) != nil else { return nil }
            do {
                cursor = try await store.webhookCursors.insert(WebhookCursor(webhookID: webhook.id, position: webhook.startsAfter))
            } catch let error as StoreError where error.isDuplicate {
                guard let stored = try await store.webhookCursors.findUnique("webhook", webhook.id.rawValue) else { throw error }
                cursor = stored
            }
        }
        guard cursor.canLease(to: holder, at: clock.now()) else { return nil }
        return try await renewIfNeeded(&cursor, force: false) ? cursor : nil
    }

    /// Before a request: the lease must outlast it, so it is renewed when less than half of it
    /// is left (or when the cursor moved past unwanted events anyway).
    private func renewIfNeeded(_ cursor: inout WebhookCursor, force: Bool) async throws -> Bool {
        if !force, cursor.isLeased(to: holder, at: clock.now(), margin: configuration.leaseDuration / 2) { return true }
        return try await save(&cursor)
    }

    /// Writes the cursor with a renewed lease; false (and the lease marked lost) when another
    /// process wrote it first.
    private func save(_ cursor: inout WebhookCursor) async throws -> Bool {
        guard cursor.lease(to: holder, at: clock.now(), for: configuration.leaseDuration) else { return false }
        do {
            cursor = try await store.webhookCursors.update(cursor)
            return true
        } catch let error as StoreError where error.isConflict {
            cursor.releaseLease(of: holder)
            return false
        }
    }
}
