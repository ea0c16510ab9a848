/// One message to relay: the SMTP envelope plus the finished message.
public struct SMTPEnvelope: Sendable {
    /// The reverse path without angle brackets; empty for the null sender (`MAIL FROM:<>`).
    public var mailFrom: String
    /// Forward paths without angle brackets.
    public var recipients: [String]
    /// The whole RFC 5322 message with CRLF line endings, exactly as it should arrive (already
    /// signed). Lines starting with "." need no escaping: curl dot-stuffs on the way out.
    public var message: [UInt8]

    public init(mailFrom: String, recipients: [String], message: [UInt8]) {
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.message = message
    }
}
