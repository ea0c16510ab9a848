/// What the classifier made of one incoming message.
public struct Classification: Sendable, Hashable {
    public var kind: MessageKind
    /// What the person typed, without the quoted original, signature and device footers; nil for
    /// machine mail (bounces, complaints, auto-replies).
    public var replyText: String?
    /// The sender's address: the contact a reply, a sign-up, an unsubscribe or an auto-reply is
    /// about; nil for bounces and complaints, which are about the recipients in `bounces`.
    public var email: String?
    /// The sender's name: a `Nome:` / `Name:` line in the typed text, else the From display name.
    public var name: String?
    /// For bounces, complaints and auto-replies: the recipients the report is about.
    public var bounces: [BounceRecipient]
    /// Message IDs this message refers to, without brackets: In-Reply-To, References, and for a
    /// report the Message-ID of the returned original. The watcher finds the job by these.
    public var referencedMessageIDs: [String]
    /// For a bounce or complaint: the Message-ID found in the returned original's headers.
    public var originalMessageID: String?
    /// The `TOKEN` of every recipient address of the form `local+TOKEN@domain` (To, Cc, Delivered-To),
    /// in order and without repeats: sign-up confirmations are sent from such an address.
    public var recipientTokens: [String]

    public init(
        kind: MessageKind,
        replyText: String? = nil,
        email: String? = nil,
        name: String? = nil,
        bounces: [BounceRecipient] = [],
        referencedMessageIDs: [String] = [],
        originalMessageID: String? = nil,
        recipientTokens: [String] = []
    ) {
        self.kind = kind
        self.replyText = replyText
        self.email = email
        self.name = name
        self.bounces = bounces
        self.referencedMessageIDs = referencedMessageIDs
        self.originalMessageID = originalMessageID
        self.recipientTokens = recipientTokens
    }
}
