public import Configuration
import Foundation

extension HTTPConfiguration {
    public enum Keys {
        public static let headTimeoutSeconds = Setting<Double>(
            "http.headTimeoutSeconds", flag: "http-head-timeout-seconds", environment: "CARTEIRO_HTTP_HEAD_TIMEOUT_SECONDS", default: 10,
            "a connection has this long after opening to send a whole request head (slow or silent ones are closed)")
        public static let idleTimeoutSeconds = Setting<Double>(
            "http.idleTimeoutSeconds", flag: "http-idle-timeout-seconds", environment: "CARTEIRO_HTTP_IDLE_TIMEOUT_SECONDS", default: 30,
            "a kept-alive HTTP connection with no new request this long after its last response is closed (WebSockets have their own timeouts)")
        public static let maxHeaderBytes = Setting<Int>(
            "http.maxHeaderBytes", flag: "http-max-header-bytes", environment: "CARTEIRO_HTTP_MAX_HEADER_BYTES", default: 32 * 1024,
            "largest request head, one field or all together; a larger one gets 431 and the connection is closed (a bad head gets 400, a version other than HTTP/1.x 505)"
        )
        public static let maxHeaders = Setting<Int>(
            "http.maxHeaders", flag: "http-max-headers", environment: "CARTEIRO_HTTP_MAX_HEADERS", default: 100,
            "most header fields a request may have; more get 431 and the connection is closed")
        public static let descriptorReserve = Setting<Int>(
            "http.descriptorReserve", flag: "http-descriptor-reserve", environment: "CARTEIRO_HTTP_DESCRIPTOR_RESERVE", default: 64,
            "file descriptors kept free, beyond those open at start, for health checks and the store (the soft open-file limit is first raised to the hard one): when connections would use them, the oldest idle HTTP connections are closed, and with none to close a new connection gets only /health and /ready (503 otherwise)"
        )

        public static let trustedProxies = Setting<[String]>(
            "http.trustedProxies", flag: "trusted-proxy", environment: "CARTEIRO_TRUSTED_PROXIES", default: [],
            "address or CIDR block (10.0.0.0/8, 2001:db8::/32) of a reverse proxy whose Forwarded or X-Forwarded-For client address the per-address chat limits count by; from any other peer those headers are ignored"
        )

        public static let metricsAddress = Setting<String?>(
            "http.metricsAddress", flag: "metrics-address", environment: "CARTEIRO_METRICS_ADDRESS", default: nil,
            "HOST:PORT (127.0.0.1:9464) where /metrics is served instead of the main port, so that it need not be public; unset: /metrics is on the main port"
        )

        public static let all: [any SettingDescription] = [
            headTimeoutSeconds, idleTimeoutSeconds, maxHeaderBytes, maxHeaders, descriptorReserve, trustedProxies, metricsAddress,
        ]
    }

    /// Reads the HTTP keys and refuses values that cannot work, naming the key.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        self.init()
        headTimeout = try Self.seconds(
            reader.double(forKey: Keys.headTimeoutSeconds.configKey, default: Keys.headTimeoutSeconds.defaultValue), Keys.headTimeoutSeconds)
        idleTimeout = try Self.seconds(
            reader.double(forKey: Keys.idleTimeoutSeconds.configKey, default: Keys.idleTimeoutSeconds.defaultValue), Keys.idleTimeoutSeconds)
        maximumHeaderBytes = reader.int(forKey: Keys.maxHeaderBytes.configKey, default: Keys.maxHeaderBytes.defaultValue)
        maximumHeaderCount = reader.int(forKey: Keys.maxHeaders.configKey, default: Keys.maxHeaders.defaultValue)
        descriptorReserve = reader.int(forKey: Keys.descriptorReserve.configKey, default: Keys.descriptorReserve.defaultValue)
        trustedProxies = try reader.stringArray(forKey: Keys.trustedProxies.configKey, default: []).map { text throws(ConfigurationError) in
            guard let range = AddressRange(text) else {
                throw ConfigurationError(
                    key: Keys.trustedProxies.flag, message: "'\(text)' is not an IP address or a CIDR block such as 10.0.0.0/8")
            }
            return range
        }
        if let text = reader.string(forKey: Keys.metricsAddress.configKey) {
            guard let address = MetricsAddress(text.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigurationError(key: Keys.metricsAddress.flag, message: "'\(text)' is not HOST:PORT, such as 127.0.0.1:9464")
            }
            metricsAddress = address
        }
        try validate()
    }

    static func seconds(_ value: Double, _ setting: Setting<Double>) throws(ConfigurationError) -> Duration {
        guard value > 0, value.isFinite else { throw ConfigurationError(key: setting.flag, message: "'\(value)' is not a positive number") }
        return .milliseconds(Int64(value * 1000))
    }
}
