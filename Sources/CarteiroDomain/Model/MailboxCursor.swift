public import Foundation

public typealias MailboxCursorID = Identifier<MailboxCursor>

/// How far the inbox watcher has read one mailbox, and which watcher is reading it.
///
/// Messages with a UID above `lastUID` under `uidValidity` are new. When the server's
/// UIDVALIDITY changes, UIDs start over and so does the cursor. The lease lets one watcher
/// process at a time read the mailbox; taking or renewing it is an optimistic write, so of two
/// watchers that try at once, one gets a `conflict`.
public struct MailboxCursor: Aggregate, Leasable {
    public let id: MailboxCursorID
    public var version: Int
    /// `user@host:port/MAILBOX`, without the password: unique.
    public let mailbox: String
    public private(set) var uidValidity: UInt32?
    public private(set) var lastUID: UInt32
    public private(set) var leaseHolder: String?
    public private(set) var leaseExpiresAt: Date?

    public mutating func setLease(holder: String?, expiresAt: Date?) {
        leaseHolder = holder
        leaseExpiresAt = expiresAt
    }

    public init(id: MailboxCursorID = MailboxCursorID(), mailbox: String) {
        self.id = id
        self.version = 0
        self.mailbox = mailbox
        self.uidValidity = nil
        self.lastUID = 0
    }




    /// The UID after which messages are new under the server's current `uidValidity`: 0 when it
    /// changed (every message is new again; the processed records' keys tell which were done).
    public func lastSeenUID(under uidValidity: UInt32) -> UInt32 {
        self.uidValidity == uidValidity ? lastUID : 0
    }

    /// Records that every message up to `uid` under `uidValidity` was processed.
    public mutating func advance(to uid: UInt32, under uidValidity: UInt32) {
        if self.uidValidity != uidValidity {
            self.uidValidity = uidValidity
            lastUID = 0
        }
        lastUID = max(lastUID, uid)
    }
}
