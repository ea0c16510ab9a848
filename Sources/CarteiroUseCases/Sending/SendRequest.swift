public import CarteiroDomain
public import CarteiroMIME

/// What a caller (the CLI, the admin API, the scheduler) asks to send: the sender, the template
/// and where the recipients come from. Nothing is checked until `AcceptSend.validate(_:)`.
public struct SendRequest: Sendable {
    public var from: MailAddress
    public var replyTo: MailAddress?
    /// Subject and bodies are mustache templates.
    public var subject: String
    public var textBody: String?
    public var htmlBody: String?
    public var recipients: RecipientSource
    public var stream: MailStream
    /// The relays the jobs must go through (see `EmailJob.route`); nil: any worker's.
    public var route: String?
    /// The campaign the send delivers, if any; its jobs carry it too.
    public var campaignID: CampaignID?
    /// The send's identifier when the caller fixed it beforehand (a campaign does, so that an
    /// interrupted acceptance can be run again and adds only what is missing); nil: a new one.
    public var sendID: SendID?
    /// Open and click tracking of bulk mail (a campaign's); nil: none.
    public var tracking: EngagementTracking?
    /// Set for an answer in an email conversation: the headers that thread it.
    public var threading: Send.Threading?
    /// An answer to someone who wrote to us reaches them even when they unsubscribed from (or
    /// declined) our mailings; bounced, complained and erased addresses stay suppressed.
    public var reachesUnsubscribed = false

    public init(
        from: MailAddress, replyTo: MailAddress? = nil, subject: String, textBody: String?, htmlBody: String?, recipients: RecipientSource,
        stream: MailStream = .bulk, route: String? = nil
    ) {
        self.route = route
        self.from = from
        self.replyTo = replyTo
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.recipients = recipients
        self.stream = stream
    }
}
