import CarteiroDomain
public import CarteiroWebhooks
public import Configuration
import Foundation

/// The worker role's webhook deliveries: how long a failing delivery is retried before it is
/// parked, the longest wait between attempts, and one request's time limit.
extension WebhookConfiguration {
    public enum Keys {
        public static let retryWindow = Setting<String>(
            "webhooks.retryWindow", flag: "webhook-retry-window", environment: "CARTEIRO_WEBHOOK_RETRY_WINDOW", default: "24h",
            "how long a failing webhook delivery is retried (from its first attempt) before it is parked, listed and replayable: 30s, 2h, 24h")
        public static let backoffCap = Setting<String>(
            "webhooks.backoffCap", flag: "webhook-backoff-cap", environment: "CARTEIRO_WEBHOOK_BACKOFF_CAP", default: "10m",
            "longest wait between attempts of a webhook delivery; the wait starts at 1s and doubles")
        public static let requestTimeout = Setting<String>(
            "webhooks.requestTimeout", flag: "webhook-timeout", environment: "CARTEIRO_WEBHOOK_TIMEOUT", default: "10s",
            "time a webhook receiver has to answer one request (connect, send, answer) before the attempt counts as failed")

        public static let all: [any SettingDescription] = [retryWindow, backoffCap, requestTimeout]
    }

    public init(reader: ConfigReader) throws(ConfigurationError) {
        func duration(_ key: Setting<String>, within range: ClosedRange<Double>, example: String) throws(ConfigurationError) -> TimeInterval {
            let text = reader.string(forKey: key.configKey, default: key.defaultValue)
            guard let duration = SignUpConfiguration.duration(text) else {
                throw ConfigurationError(key: key.flag, message: "'\(text)' is not a duration such as \(example)")
            }
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            guard range.contains(seconds) else {
                throw ConfigurationError(key: key.flag, message: "'\(text)' is not between \(Int(range.lowerBound))s and \(Int(range.upperBound))s")
            }
            return seconds
        }
        let retryWindow = try duration(Keys.retryWindow, within: 1...(30 * 86_400), example: "24h")
        let cap = try duration(Keys.backoffCap, within: 1...86_400, example: "10m")
        let timeout = try duration(Keys.requestTimeout, within: 1...300, example: "10s")
        self.init(retryWindow: retryWindow, backoff: WebhookBackoff(base: 1, cap: cap), requestTimeout: timeout)
    }
}
