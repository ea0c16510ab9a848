/// What SELECT says about a mailbox.
public struct IMAPMailboxStatus: Sendable, Hashable {
    /// Changes when the server renumbers the mailbox: UIDs remembered under another value mean nothing.
    public var uidValidity: UInt32
    /// The UID the next message will get at the least; nil when the server did not say (RFC 3501 allows it).
    public var uidNext: UInt32?
    /// How many messages the mailbox holds.
    public var exists: Int

    public init(uidValidity: UInt32, uidNext: UInt32?, exists: Int) {
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.exists = exists
    }
}
