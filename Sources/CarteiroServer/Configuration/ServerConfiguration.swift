/// Everything `carteiro serve` needs, read once at the entry point from flags and `CARTEIRO_*`
/// environment variables and validated before anything starts.
public struct ServerConfiguration: Sendable {
    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }

    public var host: String
    public var port: Int
    public var dataDirectory: String
    public var store: StoreLocation
    public var roles: Set<Role>
    public var logFormat: LogFormat
    public var logLevel: String
    /// How long in-flight work gets to finish after SIGTERM/SIGINT before it is cancelled.
    public var shutdownGracePeriod: Duration
    /// SMTP relays (or a `file://` folder) the worker role sends through; empty means
    /// `file://<data-dir>/outbox`.
    public var relays: [String] = []
    /// A file of relay URLs, one per line, read at start and again on SIGHUP (added to `relays`).
    public var relaysFile: String?
    /// How often each relay is probed (one probe per interval for all workers on a store).
    public var heartbeatInterval: Duration = .seconds(10)
    /// Jobs a worker claims per batch.
    public var batchSize: Int = 200
    /// Per-recipient-domain entries `DOMAIN:PER_MINUTE[:PARALLEL]`, validated with the rest.
    public var domainLimits: [String] = []
    /// The chat role: bot file, allowed origins, connection limits, bench echo route.
    public var chat = ChatConfiguration()
    /// The embedded store's writer page cache, in MB (ignored on MongoDB).
    public var sqliteCacheMegabytes = 32

    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String = "carteiro-data", store: StoreLocation? = nil,
        roles: Set<Role> = Set(Role.allCases), logFormat: LogFormat = .text, logLevel: String = "info",
        shutdownGracePeriod: Duration = .seconds(10)
    ) throws(ConfigurationError) {
        guard !host.isEmpty else { throw ConfigurationError(key: "host", message: "must not be empty") }
        guard (0...65535).contains(port) else { throw ConfigurationError(key: "port", message: "\(port) is not a TCP port (0–65535)") }
        guard !dataDirectory.isEmpty else { throw ConfigurationError(key: "data-dir", message: "must not be empty") }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError(key: "log-level", message: "'\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        if let store {
            self.store = store
        } else {
            self.store = try StoreLocation.resolve(store: nil, dataDirectory: dataDirectory)
        }
        self.roles = roles
        self.logFormat = logFormat
        self.logLevel = logLevel
        self.shutdownGracePeriod = shutdownGracePeriod
    }
}
