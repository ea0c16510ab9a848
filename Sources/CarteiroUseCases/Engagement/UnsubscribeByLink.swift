public import CarteiroDomain
public import Foundation

/// The one-click unsubscribe (RFC 8058) and its page's button: the recipient of the message the
/// link was in is unsubscribed at once (`contact.unsubscribed`), and every bulk job to them not
/// yet being sent is cancelled, so nothing more reaches them. A recipient who was no contact (a
/// `carteiro send` list) becomes an unsubscribed one, so later sends leave them out too.
public struct UnsubscribeByLink: Sendable {
    public enum Outcome: Sendable, Equatable {
        case unsubscribed(ContactID, cancelledJobs: Int)
        /// Unsubscribed before (or suppressed otherwise): nothing changed.
        case alreadySuppressed(ContactID)
        /// The link names a job the store no longer has.
        case unknownMessage
    }

    private let store: any Store

    public init(store: any Store) {
        self.store = store
    }

    public func run(jobID: EmailJobID, now: Date = Date()) async throws -> Outcome {
        guard let job = try await store.emailJobs.get(jobID) else { return .unknownMessage }
        var contact: Contact
        if let id = job.contactID, let stored = try await store.contacts.get(id) {
            contact = stored
        } else if let stored = try await store.contacts.find(email: job.recipient) {
            contact = stored
        } else {
            do {
                contact = try await store.contacts.insert(try Contact(email: job.recipient, name: job.recipientName, createdAt: now))
            } catch let error as StoreError where error.isDuplicate {
                guard let stored = try await store.contacts.find(email: job.recipient) else { throw error }
                contact = stored
            }
        }
        let cancelled = try await store.emailJobs.cancelBulk(to: job.recipient, at: now)
        guard !contact.status.isSuppressed, contact.status.canMove(to: .unsubscribed) else { return .alreadySuppressed(contact.id) }
        for _ in 0..<10 {
            var changed = contact
            try changed.move(to: .unsubscribed, at: now)
            let event = DomainEvent(
                occurredAt: now, payload: .contactUnsubscribed(.init(contactID: contact.id, email: contact.email, reason: "one-click link")))
            do {
                _ = try await store.contacts.update(changed, events: [event])
                // Counted against the campaign whose message it came from.
                try await store.engagement.record(
                    [
                        EngagementHit(
                            kind: .unsubscribe, jobID: job.id, sendID: job.sendID, campaignID: job.campaignID, contactID: contact.id, at: now)
                    ]) { _ in nil }
                return .unsubscribed(contact.id, cancelledJobs: cancelled)
            } catch let error as StoreError where error.isConflict {
                guard let fresh = try await store.contacts.get(contact.id) else { return .unknownMessage }
                contact = fresh
                guard !contact.status.isSuppressed, contact.status.canMove(to: .unsubscribed) else { return .alreadySuppressed(contact.id) }
            }
        }
        throw StoreError(.conflict, "contact \(contact.id) kept changing while it was unsubscribed")
    }
}
