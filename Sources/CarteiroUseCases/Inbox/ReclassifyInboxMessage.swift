public import CarteiroDomain
public import Foundation

/// An operator's correction of a message the inbox watcher misread: the message gets the right
/// kind, and what the wrong one did to its contact is undone. The contact goes back to the status
/// it had before, but only while the action's status is still its status: a change made since
/// (the person unsubscribed, another bounce) is never undone.
public struct ReclassifyInboxMessage: Sendable {
    public enum Failure: Error, Sendable {
        case notFound
        /// Already of that kind.
        case sameKind
    }

    private let store: any Store

    public init(store: any Store) { self.store = store }

    public func run(_ id: InboxMessageID, as kind: InboxMessage.Kind, now: Date = Date()) async throws -> InboxMessage {
        guard var message = try await store.inboxMessages.get(id) else { throw Failure.notFound }
        guard message.kind != kind else { throw Failure.sameKind }
        var detail = "reclassified from \(message.kind.rawValue) to \(kind.rawValue)"
        if let contactID = message.contactID, let before = message.contactStatusBefore, let set = Self.status(setBy: message.action),
            var contact = try await store.contacts.get(contactID), contact.status == set
        {
            contact.restore(to: before, at: now)
            _ = try await store.contacts.update(contact)
            detail += "; contact \(set.rawValue) → \(before.rawValue)"
        } else if Self.status(setBy: message.action) != nil {
            detail += "; the contact was left as it is (changed since, or nothing to undo)"
        }
        message.reclassify(as: kind, action: .reverted, detail: detail)
        return try await store.inboxMessages.update(message)
    }

    /// The contact status an action set.
    static func status(setBy action: InboxMessage.Action) -> Contact.Status? {
        switch action {
        case .confirmed: .confirmed
        case .declined: .declined
        case .unsubscribed: .unsubscribed
        case .bounced: .bounced
        case .complained: .complained
        case .processing, .signedUp, .deferred, .conversation, .ignored, .reverted, .failed: nil
        }
    }
}
