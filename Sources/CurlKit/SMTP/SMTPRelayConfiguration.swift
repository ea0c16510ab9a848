/// Where and how an `SMTPClient` reaches its relay.
public struct SMTPRelayConfiguration: Sendable, Hashable {
    /// When to upgrade a plain `smtp://` connection with STARTTLS. An `smtps://` URL is TLS from
    /// the first byte whatever this says.
    public enum StartTLSPolicy: Sendable, Hashable {
        /// Never send STARTTLS.
        case none
        /// Use STARTTLS when the relay offers it, go on in the clear when it does not.
        case opportunistic
        /// Use STARTTLS or fail the transaction (a transient failure) before MAIL FROM.
        case required
    }

    /// `smtp://host:port` or `smtps://host:port`.
    public var url: String
    public var username: String?
    public var password: String?
    public var startTLS: StartTLSPolicy
    /// SASL mechanisms to allow, e.g. `["PLAIN", "LOGIN"]`; nil lets curl pick among those the relay offers.
    public var authMechanisms: [String]?
    public var connectTimeout: Duration
    /// The longest one transaction (MAIL FROM to the reply after the final dot, connect included) may take.
    public var operationTimeout: Duration
    /// Connections opened in parallel to this relay; each carries one transaction at a time and
    /// is reused for the next message.
    public var maxConnections: Int
    /// The EHLO argument; nil sends this machine's host name.
    public var heloName: String?
    /// Accept any certificate (self-signed, wrong host). For tests and development only.
    public var allowInsecureTLS: Bool

    public init(
        url: String,
        username: String? = nil,
        password: String? = nil,
        startTLS: StartTLSPolicy = .opportunistic,
        authMechanisms: [String]? = nil,
        connectTimeout: Duration = .seconds(10),
        operationTimeout: Duration = .seconds(60),
        maxConnections: Int = 4,
        heloName: String? = nil,
        allowInsecureTLS: Bool = false
    ) {
        self.url = url
        self.username = username
        self.password = password
        self.startTLS = startTLS
        self.authMechanisms = authMechanisms
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.maxConnections = maxConnections
        self.heloName = heloName
        self.allowInsecureTLS = allowInsecureTLS
    }
}

/// Shortcut so call sites can write `startTLS: .required`.
public typealias StartTLSPolicy = SMTPRelayConfiguration.StartTLSPolicy
