public import CarteiroWebhooks
public import Configuration

/// Everything `carteiro serve` needs, read once at the entry point (flags, `CARTEIRO_*`
/// environment variables, a configuration file) and validated before anything starts.
public struct ServerConfiguration: Sendable {
    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }

    public enum Keys {
        public static let host = Setting<String>("http.host", flag: "host", environment: "CARTEIRO_HOST", default: "127.0.0.1", "HTTP listen address")
        public static let port = Setting<Int>("http.port", flag: "port", environment: "CARTEIRO_PORT", default: 8080, "HTTP port (0: any free port)")
        public static let roles = Setting<String>(
            "roles", flag: "roles", environment: "CARTEIRO_ROLES", default: "all", emptyIsAValue: true,
            "comma list of the roles this process runs: \(Role.available.sorted().map(\.rawValue).joined(separator: ", ")) (scheduler is not built yet); all = every available role"
        )
        public static let logFormat = Setting<String>(
            "log.format", flag: "log-format", environment: "CARTEIRO_LOG_FORMAT", default: LogFormat.text.rawValue, "text or json (one object per line)")
        public static let logLevel = Setting<String>(
            "log.level", flag: "log-level", environment: "CARTEIRO_LOG_LEVEL", default: "info", "trace, debug, info, notice, warning, error or critical")

        public static let all: [any SettingDescription] = [host, port, roles, logFormat, logLevel]
    }

    /// Every key `serve` reads, in the order `serve --help` and the README list them.
    public static let settings: [any SettingDescription] =
        StoreConfiguration.Keys.all + Keys.all + HTTPConfiguration.Keys.all + DeliveryConfiguration.Keys.all + ChatConfiguration.Keys.all
        + SignUpConfiguration.Keys.all + WebhookConfiguration.Keys.all

    public var host: String
    public var port: Int
    public var storage: StoreConfiguration
    public var roles: Set<Role>
    public var logFormat: LogFormat
    public var logLevel: String
    /// How long in-flight work gets to finish after SIGTERM/SIGINT before it is cancelled.
    public var shutdownGracePeriod: Duration
    /// The HTTP server's timeouts and limits on request heads.
    public var http = HTTPConfiguration()
    /// The worker role's delivery: relays, strategy, leases, retries, domain limits, DKIM keys.
    public var delivery = DeliveryConfiguration()
    /// The chat role: bot file, allowed origins, connection limits, bench echo route.
    public var chat = ChatConfiguration()
    /// Sign-ups by reply: the sign-up address, the From of Carteiro's own mail, confirm links, inboxes.
    public var signUps = SignUpConfiguration()
    /// The worker role's outgoing webhooks: retry window, backoff cap, request timeout.
    public var webhooks = WebhookConfiguration()

    public var dataDirectory: String { storage.dataDirectory }
    public var store: StoreLocation { storage.location }

    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String = "carteiro-data", store: StoreLocation? = nil,
        roles: Set<Role> = Role.available, logFormat: LogFormat = .text, logLevel: String = "info",
        shutdownGracePeriod: Duration = .seconds(10)
    ) throws(ConfigurationError) {
        guard !host.isEmpty else { throw ConfigurationError(key: Keys.host.flag, message: "must not be empty") }
        guard (0...65535).contains(port) else { throw ConfigurationError(key: Keys.port.flag, message: "\(port) is not a TCP port (0–65535)") }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError(
                key: Keys.logLevel.flag, message: "'\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        self.host = host
        self.port = port
        self.storage = try StoreConfiguration(dataDirectory: dataDirectory, location: store)
        self.roles = roles
        self.logFormat = logFormat
        self.logLevel = logLevel
        self.shutdownGracePeriod = shutdownGracePeriod
    }

    /// Reads every key of `settings`; the caller checks the reading's problems afterwards.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let formatText = reader.string(forKey: Keys.logFormat.configKey, default: Keys.logFormat.defaultValue)
        guard let format = LogFormat(rawValue: formatText) else {
            throw ConfigurationError(key: Keys.logFormat.flag, message: "'\(formatText)' is not text or json")
        }
        let storage = try StoreConfiguration(reader: reader)
        try self.init(
            host: reader.string(forKey: Keys.host.configKey, default: Keys.host.defaultValue),
            port: reader.int(forKey: Keys.port.configKey, default: Keys.port.defaultValue),
            dataDirectory: storage.dataDirectory, store: storage.location,
            roles: try Role.parseList(reader.string(forKey: Keys.roles.configKey, default: Keys.roles.defaultValue)),
            logFormat: format,
            logLevel: reader.string(forKey: Keys.logLevel.configKey, default: Keys.logLevel.defaultValue))
        self.storage = storage
        http = try HTTPConfiguration(reader: reader)
        delivery = try DeliveryConfiguration(reader: reader)
        chat = try ChatConfiguration(reader: reader)
        signUps = try SignUpConfiguration(reader: reader)
        webhooks = try WebhookConfiguration(reader: reader)
        try validateRelays()
    }
}
