public import Foundation

public typealias InboxMessageID = Identifier<InboxMessage>

/// A message the inbox watcher read from a mailbox, what it judged the message to be, and what
/// it did about it; kept so that an operator can review it and undo a wrong judgement.
///
/// Its `key` (mailbox, UIDVALIDITY and UID) is unique: the record is written before the message's
/// effects, so a second watcher, or the same one after a crash, finds it and does not act twice.
public struct InboxMessage: Aggregate {
    /// What a message is; every message gets exactly one.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case confirm, decline, signup, unsubscribe
        case autoReply = "auto_reply"
        case bounce, complaint, other
    }

    /// What the watcher did.
    public enum Action: String, Hashable, Sendable, Codable, CaseIterable {
        /// Recorded, effects not applied yet (the watcher stopped in between, or is at it).
        case processing
        case confirmed, declined
        case signedUp = "signed_up"
        case unsubscribed, bounced, complained
        /// A temporary bounce, counted.
        case deferred
        /// Became or continued an email conversation.
        case conversation
        /// Nothing to do: an auto-reply, an answer for an unknown or already answered sign-up…
        case ignored
        /// An operator reclassified it and its effect was undone.
        case reverted
        /// Its effects failed `InboxMessage.maximumAttempts` times: moved to `Failed`, for review.
        case failed
    }

    public let id: InboxMessageID
    public var version: Int
    /// `user@host:port/MAILBOX`, without the password.
    public let mailbox: String
    public let uidValidity: UInt32
    public let uid: UInt32
    /// The message's own Message-ID, without angle brackets.
    public let messageID: String?
    public let from: String?
    public let subject: String?
    public let receivedAt: Date
    public private(set) var kind: Kind
    public private(set) var action: Action
    public private(set) var contactID: ContactID?
    /// Why, in a few words ("no pending sign-up for ana@example.com", "5.1.1 permanent").
    public private(set) var detail: String?
    /// The text the person typed, without the quoted original.
    public let replyText: String?
    /// The contact's status before the action changed it, so that a correction can put it back.
    public private(set) var contactStatusBefore: Contact.Status?
    /// The kinds it had before an operator reclassified it, oldest first.
    public private(set) var previousKinds: [Kind]
    /// How many times the watcher began applying its effects (nil in records written before
    /// attempts were counted: one).
    public private(set) var attempts: Int?

    /// A message whose effects keep failing is given up after this many attempts, so that it
    /// does not hold back the rest of its mailbox.
    public static let maximumAttempts = 5

    public init(
        id: InboxMessageID = InboxMessageID(), mailbox: String, uidValidity: UInt32, uid: UInt32, messageID: String?, from: String?,
        subject: String?, receivedAt: Date, kind: Kind, replyText: String?
    ) {
        self.id = id
        self.version = 0
        self.mailbox = mailbox
        self.uidValidity = uidValidity
        self.uid = uid
        self.messageID = messageID
        self.from = from
        self.subject = subject
        self.receivedAt = receivedAt
        self.kind = kind
        self.action = .processing
        self.replyText = replyText
        self.previousKinds = []
        self.attempts = 1
    }

    /// One more attempt at its effects (after a stop or a failure).
    public mutating func countAttempt() { attempts = (attempts ?? 1) + 1 }

    /// The unique key of a mailbox's message.
    public static func key(mailbox: String, uidValidity: UInt32, uid: UInt32) -> String { "\(mailbox)#\(uidValidity)#\(uid)" }
    public var key: String { Self.key(mailbox: mailbox, uidValidity: uidValidity, uid: uid) }

    public mutating func record(_ action: Action, contactID: ContactID?, detail: String?, contactStatusBefore: Contact.Status? = nil) {
        self.action = action
        self.contactID = contactID ?? self.contactID
        self.detail = detail
        self.contactStatusBefore = contactStatusBefore
    }

    /// An operator's correction: the new kind, the effect of the old one undone.
    public mutating func reclassify(as kind: Kind, action: Action, detail: String?) {
        previousKinds.append(self.kind)
        self.kind = kind
        record(action, contactID: nil, detail: detail, contactStatusBefore: nil)
    }
}
