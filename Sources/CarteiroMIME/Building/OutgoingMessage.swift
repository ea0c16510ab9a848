public import Foundation

/// A message to send, rendered to RFC 5322 bytes by `render()`.
///
/// Bcc is deliberately absent: blind recipients belong to the SMTP envelope only.
public struct OutgoingMessage: Sendable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var cc: [MailAddress]
    public var replyTo: MailAddress?
    public var subject: String
    public var date: Date
    /// Without angle brackets: `jobid@sending-domain`.
    public var messageID: String
    /// The Message-ID (without brackets) this message answers, for threading.
    public var inReplyTo: String?
    /// Message-IDs (without brackets) of the thread, oldest first.
    public var references: [String]
    public var textBody: String?
    /// When given without `textBody`, the text part is derived with `HTMLText.readableText(fromHTML:)`.
    public var htmlBody: String?
    /// Custom headers written after the standard ones, in order (List-Unsubscribe, List-Id, Auto-Submitted…).
    /// Names the renderer writes itself (From, Subject, Content-Type…) are refused.
    public var headers: [(name: String, value: String)]

    public init(
        from: MailAddress, to: [MailAddress], cc: [MailAddress] = [], replyTo: MailAddress? = nil, subject: String, date: Date = Date(),
        messageID: String, inReplyTo: String? = nil, references: [String] = [], textBody: String? = nil, htmlBody: String? = nil,
        headers: [(name: String, value: String)] = []
    ) {
        self.from = from
        self.to = to
        self.cc = cc
        self.replyTo = replyTo
        self.subject = subject
        self.date = date
        self.messageID = messageID
        self.inReplyTo = inReplyTo
        self.references = references
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.headers = headers
    }
}
