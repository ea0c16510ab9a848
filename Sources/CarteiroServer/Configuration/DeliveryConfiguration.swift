public import CarteiroDelivery
public import CarteiroMail
public import Configuration
import Foundation

/// How mail is delivered, the same for `carteiro send` and for `carteiro serve --roles worker`:
/// relays and how they are picked, batches and leases, retries, recipient-domain limits and
/// DKIM keys per From domain.
public struct DeliveryConfiguration: Sendable {
    public enum Keys {
        public static let relays = Setting<[String]>(
            "delivery.relays", flag: "relay", environment: "CARTEIRO_RELAYS", default: [], shownDefault: "file://<data-dir>/outbox",
            "relays to send through: smtp://[user:pass@]host:port[?starttls=required&connections=N], smtps://…, file:///folder; pool settings in the same query: weight=N, rate=N (messages/s), streams=transactional,bulk, name=…")
        public static let relaysFile = Setting<String?>(
            "delivery.relaysFile", flag: "relays-file", environment: "CARTEIRO_RELAYS_FILE", default: nil,
            "more relays, one URL per line (# comments); re-read on SIGHUP by `serve`")
        public static let route = Setting<String?>(
            "delivery.route", flag: "route", environment: "CARTEIRO_ROUTE", default: nil, shownDefault: "made from the relay URLs",
            "name of the relay group these relays form: a send's jobs carry its route and only workers with that route deliver them, so a send goes only through the relays it was given")
        public static let strategy = Setting<String>(
            "delivery.strategy", flag: "strategy", environment: "CARTEIRO_STRATEGY", default: RelayPool.Strategy.roundRobin.rawValue,
            "how batches are spread over the relays: round-robin, weighted (by weight=) or least-outstanding")
        public static let heartbeatSeconds = Setting<Double>(
            "delivery.heartbeatSeconds", flag: "heartbeat-seconds", environment: "CARTEIRO_HEARTBEAT_SECONDS", default: 10,
            "relay probe interval (connect, EHLO, NOOP, QUIT), shared by all workers on a store")
        public static let batchSize = Setting<Int>(
            "delivery.batchSize", flag: "batch-size", environment: "CARTEIRO_BATCH_SIZE", default: DeliveryWorker.Configuration.defaultBatchSize,
            "jobs a worker claims per lease")
        public static let leaseSeconds = Setting<Int>(
            "delivery.leaseSeconds", flag: "lease-seconds", environment: "CARTEIRO_LEASE_SECONDS", default: 30,
            "how long a claimed job stays with its worker without a renewal; workers renew their leases while they work, so a crashed worker's jobs go out again this soon")
        public static let domainLimits = Setting<[String]>(
            "delivery.domainLimits", flag: "domain-limit", environment: "CARTEIRO_DOMAIN_LIMITS", default: [],
            "per recipient domain D:M[:P]: M messages/minute and P in flight (- = no limit), e.g. gmail.com:600:8; shared by all workers on a store")
        public static let maxAttempts = Setting<Int>(
            "delivery.maxAttempts", flag: "max-attempts", environment: "CARTEIRO_MAX_ATTEMPTS", default: Backoff().maxAttempts,
            "attempts after which a transiently failing recipient fails for good")
        public static let backoffBaseSeconds = Setting<Double>(
            "delivery.backoffBaseSeconds", flag: "backoff-base-seconds", environment: "CARTEIRO_BACKOFF_BASE_SECONDS",
            default: Backoff().base / .seconds(1), "first retry delay bound; it doubles per attempt, with full jitter")
        public static let backoffCapSeconds = Setting<Double>(
            "delivery.backoffCapSeconds", flag: "backoff-cap-seconds", environment: "CARTEIRO_BACKOFF_CAP_SECONDS",
            default: Backoff().cap / .seconds(1), "longest retry delay")
        public static let dkim = Setting<[String]>(
            "delivery.dkim", flag: "dkim", environment: "CARTEIRO_DKIM", default: [],
            "DKIM key DOMAIN:SELECTOR:KEYFILE; mail whose From domain has keys is signed with each of them (RSA and Ed25519 side by side)")

        public static let all: [any SettingDescription] = [
            relays, relaysFile, route, strategy, heartbeatSeconds, batchSize, leaseSeconds, domainLimits, maxAttempts, backoffBaseSeconds,
            backoffCapSeconds, dkim,
        ]
    }

    public var relays: [String] = []
    public var relaysFile: String?
    /// The configured name of this relay group; nil: one made from the relays.
    public var route: String?
    public var strategy: RelayPool.Strategy = .roundRobin
    public var heartbeatInterval: Duration = .seconds(10)
    public var batchSize: Int = DeliveryWorker.Configuration.defaultBatchSize
    public var leaseDuration: Duration = .seconds(30)
    public var domainLimits = DomainLimits()
    public var backoff = Backoff()
    public var keyring = DKIMKeyring()

    public init() {}

    /// Reads and checks every delivery key; key files are read here, so a bad one stops the
    /// start with one line.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        relays = reader.stringArray(forKey: Keys.relays.configKey, default: Keys.relays.defaultValue).map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        relaysFile = reader.string(forKey: Keys.relaysFile.configKey)
        route = reader.string(forKey: Keys.route.configKey).map { $0.trimmingCharacters(in: .whitespaces) }
        if let route, route.isEmpty || route.count > 200 {
            throw ConfigurationError(key: Keys.route.flag, message: "must be a name of 1 to 200 characters")
        }
        let strategyName = reader.string(forKey: Keys.strategy.configKey, default: Keys.strategy.defaultValue)
        guard let strategy = RelayPool.Strategy(rawValue: strategyName) else {
            throw ConfigurationError(
                key: Keys.strategy.flag,
                message: "'\(strategyName)' is not one of \(RelayPool.Strategy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.strategy = strategy
        heartbeatInterval = try Self.seconds(reader, Keys.heartbeatSeconds)
        batchSize = reader.int(forKey: Keys.batchSize.configKey, default: Keys.batchSize.defaultValue)
        guard (1...10_000).contains(batchSize) else {
            throw ConfigurationError(key: Keys.batchSize.flag, message: "\(batchSize) is not a number from 1 to 10000")
        }
        let lease = reader.int(forKey: Keys.leaseSeconds.configKey, default: Keys.leaseSeconds.defaultValue)
        guard lease >= 1 else { throw ConfigurationError(key: Keys.leaseSeconds.flag, message: "\(lease) is less than 1 second") }
        leaseDuration = .seconds(lease)
        let limits = reader.stringArray(forKey: Keys.domainLimits.configKey, default: []).map { $0.trimmingCharacters(in: .whitespaces) }
        do {
            domainLimits = try DomainLimits.parse(limits)
        } catch {
            throw ConfigurationError(key: Keys.domainLimits.flag, message: error.description)
        }
        let attempts = reader.int(forKey: Keys.maxAttempts.configKey, default: Keys.maxAttempts.defaultValue)
        guard (1...100).contains(attempts) else {
            throw ConfigurationError(key: Keys.maxAttempts.flag, message: "\(attempts) is not a number from 1 to 100")
        }
        let base = try Self.seconds(reader, Keys.backoffBaseSeconds)
        let cap = try Self.seconds(reader, Keys.backoffCapSeconds)
        guard cap >= base else {
            throw ConfigurationError(key: Keys.backoffCapSeconds.flag, message: "is shorter than --\(Keys.backoffBaseSeconds.flag)")
        }
        backoff = Backoff(base: base, cap: cap, maxAttempts: attempts)
        do {
            keyring = try DKIMKeyring(entries: reader.stringArray(forKey: Keys.dkim.configKey, default: []))
        } catch {
            throw ConfigurationError(key: Keys.dkim.flag, message: error.description)
        }
    }

    private static func seconds(_ reader: ConfigReader, _ setting: Setting<Double>) throws(ConfigurationError) -> Duration {
        let value = reader.double(forKey: setting.configKey, default: setting.defaultValue)
        guard value > 0, value.isFinite else { throw ConfigurationError(key: setting.flag, message: "'\(value)' is not a positive number of seconds") }
        return .milliseconds(Int64(value * 1000))
    }

    /// The route of a group of relays (by their names): the configured one, else one made from
    /// the names, the same whatever their order, so that a send and a worker given the same
    /// relays meet on it.
    public func route(relays names: [String]) -> String {
        route ?? "relays:" + names.sorted().joined(separator: " ")
    }

    /// The worker's settings for a worker named `workerID` that delivers jobs of `routes` (and
    /// jobs without a route).
    public func workerConfiguration(workerID: String, routes: [String]?, parallelBatches: Int? = nil) -> DeliveryWorker.Configuration {
        var configuration = DeliveryWorker.Configuration(
            workerID: workerID, batchSize: batchSize, leaseDuration: leaseDuration, backoff: backoff, domainLimits: domainLimits)
        configuration.routes = routes
        if let parallelBatches { configuration.parallelBatches = max(1, parallelBatches) }
        return configuration
    }
}
