/// Where and how an `IMAPClient` reaches one account.
public struct IMAPConfiguration: Sendable, Hashable {
    /// When to upgrade a plain `imap://` connection with STARTTLS. An `imaps://` URL is TLS from
    /// the first byte whatever this says.
    public enum StartTLSPolicy: Sendable, Hashable {
        case none
        case opportunistic
        case required
    }

    /// `imap://user:password@host:port/INBOX` or `imaps://…`: user and password percent-encoded
    /// (`%40` for `@`), the path names the mailbox operations use when they are given none.
    public var url: String
    public var startTLS: StartTLSPolicy
    public var connectTimeout: Duration
    /// The longest one command (connect and login included when the connection is new) may take.
    public var operationTimeout: Duration
    /// Accept any certificate (self-signed, wrong host). For tests and development only.
    public var allowInsecureTLS: Bool

    public init(
        url: String,
        startTLS: StartTLSPolicy = .opportunistic,
        connectTimeout: Duration = .seconds(10),
        operationTimeout: Duration = .seconds(60),
        allowInsecureTLS: Bool = false
    ) {
        self.url = url
        self.startTLS = startTLS
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.allowInsecureTLS = allowInsecureTLS
    }
}
