public import CarteiroDomain

/// What the links in Carteiro's bulk mail are made from: the public base URL (`--public-url`),
/// the server's link signer, and the mailbox of the `mailto:` unsubscribe.
public struct MailLinks: Sendable {
    /// `https://mail.example.com`, without a trailing slash.
    public let publicURL: String
    public let signer: LinkSigner
    /// The `mailto:` alternative of List-Unsubscribe (a watched mailbox); nil: the sender's address.
    public let unsubscribeMailbox: String?

    public init(publicURL: String, signer: LinkSigner, unsubscribeMailbox: String? = nil) {
        var base = publicURL
        while base.hasSuffix("/") { base.removeLast() }
        self.publicURL = base
        self.signer = signer
        self.unsubscribeMailbox = unsubscribeMailbox
    }

    /// One-click unsubscribe for `send`'s messages, with a List-Id naming its campaign (or the send).
    public func unsubscribe(for send: Send) -> UnsubscribeLinks {
        let list = send.campaignID?.rawValue ?? send.id.rawValue
        return UnsubscribeLinks(
            baseURL: publicURL + "/u/", mailbox: unsubscribeMailbox ?? send.from.value, listID: "<\(list).\(send.from.domain)>", signer: signer)
    }

    /// Tracking of `send`'s messages as it asks for, or nil.
    public func tracking(for send: Send) -> TrackingLinks? {
        guard let tracking = send.tracking, tracking.opens || tracking.clicks else { return nil }
        return TrackingLinks(baseURL: publicURL, signer: signer, opens: tracking.opens, clicks: tracking.clicks)
    }

    /// A tracking decoder (which parts are on does not matter for reading tokens).
    public var trackingTokens: TrackingLinks { TrackingLinks(baseURL: publicURL, signer: signer) }

    /// The job an unsubscribe token names, if the token is genuine (as `UnsubscribeLinks` signs them).
    public func unsubscribedJob(token: String) -> String? { signer.payload(of: token) }
}
