/// How the HTTP server defends its connections: the time a client has to send a request's head,
/// how long a kept-alive connection may sit idle, how large a head may be, how many file
/// descriptors stay free for health checks, and which peers are proxies whose forwarded client
/// address is believed.
public struct HTTPConfiguration: Sendable {
    /// A connection that has not sent a whole request head this long after opening is closed.
    public var headTimeout: Duration = .seconds(10)
    /// A kept-alive connection with no request this long after its last response is closed.
    public var idleTimeout: Duration = .seconds(30)
    /// The largest request head (one field, or all of them together); larger ones get 431.
    public var maximumHeaderBytes: Int = 32 * 1024
    /// The most header fields a request may have; more get 431.
    public var maximumHeaderCount: Int = 100
    /// File descriptors kept free, beyond those open at start, for health checks and the store.
    public var descriptorReserve: Int = 64
    /// Peers whose `Forwarded`/`X-Forwarded-For` client address the per-address limits count by.
    public var trustedProxies: [AddressRange] = []
    /// Where `/metrics` is served instead of the main port (a private interface, so that the
    /// figures need not be public); nil: on the main port, with the other routes.
    public var metricsAddress: MetricsAddress?

    /// A listen address for the metrics server: a host (name, IPv4, or IPv6 in brackets) and a port.
    public struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `127.0.0.1:9464`, `[::1]:9464` or `metrics.internal:9464`; nil when it is not one.
        public init?(_ text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
                return nil
            }
            var host = String(text[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty, !host.contains(where: \.isWhitespace) else { return nil }
            self.init(host: host, port: port)
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public init() {}

    /// Refuses limits that cannot work, naming the flag.
    public func validate() throws(ConfigurationError) {
        guard headTimeout > .zero else { throw ConfigurationError(key: "http-head-timeout-seconds", message: "must be positive") }
        guard idleTimeout > .zero else { throw ConfigurationError(key: "http-idle-timeout-seconds", message: "must be positive") }
        guard (1024...(1024 * 1024)).contains(maximumHeaderBytes) else {
            throw ConfigurationError(key: "http-max-header-bytes", message: "\(maximumHeaderBytes) is not between 1024 and 1048576")
        }
        guard (8...10_000).contains(maximumHeaderCount) else {
            throw ConfigurationError(key: "http-max-headers", message: "\(maximumHeaderCount) is not between 8 and 10000")
        }
        guard descriptorReserve >= 0 else { throw ConfigurationError(key: "http-descriptor-reserve", message: "must not be negative") }
    }
}
