/// One recipient a report is about: a bounce's failed or delayed recipient, a complaint's
/// complainer, or the person whose program sent an auto-reply.
public struct BounceRecipient: Sendable, Hashable {
    /// The address, as the report gives it.
    public var recipient: String
    /// The enhanced status code (RFC 3463, `5.1.1`), when the report gives one or an SMTP reply implies one.
    public var status: String?
    /// The address itself will never take mail (no such user, no such domain, moved): stop sending to it.
    /// False for failures that say nothing against the address (mailbox full, blocked, spam, policy,
    /// timeouts, delays), even when the server refused this message for good, and for complaints and auto-replies.
    public var permanent: Bool

    public init(recipient: String, status: String?, permanent: Bool) {
        self.recipient = recipient
        self.status = status
        self.permanent = permanent
    }
}
