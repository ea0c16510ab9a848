import ArgumentParser
import CarteiroChat
import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import CarteiroServer
import Foundation
import Logging
import Metrics
import Prometheus

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Carteiro's services (HTTP health, readiness and metrics, plus the selected roles).",
        discussion: "Every option can also come from its CARTEIRO_* environment variable; a flag wins over the environment."
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Address to listen on. [env: CARTEIRO_HOST] (default: 127.0.0.1)")
    var host: String?

    @Option(help: "HTTP port; 0 picks a free one. [env: CARTEIRO_PORT] (default: 8080)")
    var port: String?

    @Option(help: "Comma list of roles (api, chat, worker, scheduler, inbox) or 'all'. [env: CARTEIRO_ROLES] (default: all)")
    var roles: String?

    @Option(name: .customLong("relay"), help: "Relay for the worker role (repeatable): smtp://…, smtps://… or file:///folder. [env: CARTEIRO_RELAYS, comma-separated] (default: file://<data-dir>/outbox)")
    var relays: [String] = []

    @Option(name: .customLong("relays-file"), help: "File of relay URLs, one per line (# comments), re-read on SIGHUP. A URL may carry weight=, rate= (messages/s), streams= and name=. [env: CARTEIRO_RELAYS_FILE]")
    var relaysFile: String?

    @Option(name: .customLong("heartbeat-seconds"), help: "Seconds between relay heartbeats. [env: CARTEIRO_HEARTBEAT_SECONDS] (default: 10)")
    var heartbeatSeconds: String?

    @Option(name: .customLong("batch-size"), help: "Jobs the worker claims per batch. [env: CARTEIRO_BATCH_SIZE] (default: 200)")
    var batchSize: String?

    @Option(name: .customLong("domain-limit"), help: "Recipient-domain limit DOMAIN:PER_MINUTE[:PARALLEL] (repeatable; - for none), shared by all workers. [env: CARTEIRO_DOMAIN_LIMITS, comma-separated]")
    var domainLimits: [String] = []

    @Option(help: "Bot file of the chat role, trained at start. [env: CARTEIRO_BOT] (default: bots/support.yml)")
    var bot: String?

    @Option(name: .customLong("chat-origin"), help: "Browser Origin allowed to open /chat and /agent (repeatable; none set: any). [env: CARTEIRO_CHAT_ORIGINS, comma-separated]")
    var chatOrigins: [String] = []

    @Option(name: .customLong("chat-max-connections"), help: "Open chat and agent connections at most. [env: CARTEIRO_CHAT_MAX_CONNECTIONS] (default: 10000)")
    var chatMaxConnections: String?

    @Option(name: .customLong("chat-rate"), help: "Frames per second a chat connection may send on average. [env: CARTEIRO_CHAT_RATE] (default: 20)")
    var chatRate: String?

    @Option(name: .customLong("chat-burst"), help: "Frames a chat connection may send at once. [env: CARTEIRO_CHAT_BURST] (default: 40)")
    var chatBurst: String?

    @Option(name: .customLong("chat-idle-seconds"), help: "Seconds of silence after which a chat connection is closed. [env: CARTEIRO_CHAT_IDLE_SECONDS] (default: 300)")
    var chatIdleSeconds: String?

    @Flag(name: .customLong("bench-echo"), help: "Serve the bare echo WebSocket route /bench/echo for carteiro bench chat. [env: CARTEIRO_BENCH_ECHO=1]")
    var benchEcho = false

    @Option(name: .customLong("sqlite-cache-mb"), help: "Page cache of the embedded store's writing connection, in MB. [env: CARTEIRO_SQLITE_CACHE_MB] (default: 32)")
    var sqliteCacheMegabytes: String?

    @Option(name: .customLong("log-format"), help: "text or json. [env: CARTEIRO_LOG_FORMAT] (default: text)")
    var logFormat: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical. [env: CARTEIRO_LOG_LEVEL] (default: info)")
    var logLevel: String?

    func run() async throws {
        let configuration = try makeConfiguration()
        let logger = LoggingSetup.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let store: any Store
        do {
            store = try await StoreFactory.open(
                configuration.store, compoundPagingIndexes: storeOptions.compoundPagingIndexes,
                sqliteCaches: .init(writerKiB: configuration.sqliteCacheMegabytes * 1024), logger: logger)
        } catch {
            throw CLIError.badInput("cannot open the store \(configuration.store): \(error)")
        }
        var bot: Bot?
        if configuration.roles.contains(.chat) {
            do {
                bot = try Bot.load(file: configuration.chat.botFile)
            } catch {
                await store.close()
                throw CLIError.badInput("cannot load the bot: \(error)")
            }
        }
        let runtime = CarteiroRuntime(configuration: configuration, store: store, registry: registry, bot: bot, logger: logger)
        try await runtime.run { port in
            logger.info("listening", metadata: ["url": "http://\(configuration.host):\(port)"])
        }
    }

    func makeConfiguration() throws -> ServerConfiguration {
        do {
            let portText = port ?? Environment.value("CARTEIRO_PORT") ?? "8080"
            guard let portNumber = Int(portText) else { throw ConfigurationError(key: "port", message: "'\(portText)' is not a number") }
            let formatText = logFormat ?? Environment.value("CARTEIRO_LOG_FORMAT") ?? "text"
            guard let format = ServerConfiguration.LogFormat(rawValue: formatText) else {
                throw ConfigurationError(key: "log-format", message: "'\(formatText)' is not text or json")
            }
            let relayList = relays.isEmpty
                ? (Environment.value("CARTEIRO_RELAYS")?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } ?? []) : relays
            let heartbeatText = heartbeatSeconds ?? Environment.value("CARTEIRO_HEARTBEAT_SECONDS") ?? "10"
            guard let heartbeat = Double(heartbeatText), heartbeat > 0, heartbeat.isFinite else {
                throw ConfigurationError(key: "heartbeat-seconds", message: "'\(heartbeatText)' is not a positive number of seconds")
            }
            let batchText = batchSize ?? Environment.value("CARTEIRO_BATCH_SIZE") ?? "200"
            guard let batch = Int(batchText), (1...10_000).contains(batch) else {
                throw ConfigurationError(key: "batch-size", message: "'\(batchText)' is not a number from 1 to 10000")
            }
            let cacheText = sqliteCacheMegabytes ?? Environment.value("CARTEIRO_SQLITE_CACHE_MB") ?? "32"
            guard let cacheMegabytes = Int(cacheText), (1...65_536).contains(cacheMegabytes) else {
                throw ConfigurationError(key: "sqlite-cache-mb", message: "'\(cacheText)' is not a number of MB from 1 to 65536")
            }
            let limitList = domainLimits.isEmpty
                ? (Environment.value("CARTEIRO_DOMAIN_LIMITS")?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } ?? [])
                : domainLimits
            do {
                _ = try DomainLimits.parse(limitList)
            } catch {
                throw ConfigurationError(key: "domain-limit", message: error.description)
            }
            var configuration = try ServerConfiguration(
                host: host ?? Environment.value("CARTEIRO_HOST") ?? "127.0.0.1",
                port: portNumber,
                dataDirectory: storeOptions.resolvedDataDirectory,
                store: try storeOptions.location(),
                roles: try Role.parseList(roles ?? Environment.value("CARTEIRO_ROLES") ?? "all"),
                logFormat: format,
                logLevel: logLevel ?? Environment.value("CARTEIRO_LOG_LEVEL") ?? "info"
            )
            configuration.relays = relayList
            configuration.relaysFile = relaysFile ?? Environment.value("CARTEIRO_RELAYS_FILE")
            configuration.heartbeatInterval = .milliseconds(Int64(heartbeat * 1000))
            configuration.batchSize = batch
            configuration.sqliteCacheMegabytes = cacheMegabytes
            configuration.domainLimits = limitList
            configuration.chat = try makeChatConfiguration()
            try configuration.validateRelays()
            return configuration
        } catch let error as ConfigurationError {
            throw CLIError.badInput(error.description)
        }
    }

    private func makeChatConfiguration() throws(ConfigurationError) -> ChatConfiguration {
        var chat = ChatConfiguration()
        chat.botFile = bot ?? Environment.value("CARTEIRO_BOT") ?? chat.botFile
        chat.allowedOrigins = chatOrigins.isEmpty
            ? (Environment.value("CARTEIRO_CHAT_ORIGINS")?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } ?? [])
            : chatOrigins
        func number(_ flag: String?, _ variable: String, _ key: String, default value: Double) throws(ConfigurationError) -> Double {
            let text = flag ?? Environment.value(variable) ?? String(value)
            guard let number = Double(text), number.isFinite, number > 0 else {
                throw ConfigurationError(key: key, message: "'\(text)' is not a positive number")
            }
            return number
        }
        chat.maximumConnections = Int(try number(chatMaxConnections, "CARTEIRO_CHAT_MAX_CONNECTIONS", "chat-max-connections", default: 10_000))
        chat.framesPerSecond = try number(chatRate, "CARTEIRO_CHAT_RATE", "chat-rate", default: chat.framesPerSecond)
        chat.burst = Int(try number(chatBurst, "CARTEIRO_CHAT_BURST", "chat-burst", default: Double(chat.burst)))
        let idle = try number(chatIdleSeconds, "CARTEIRO_CHAT_IDLE_SECONDS", "chat-idle-seconds", default: 300)
        chat.idleTimeout = .milliseconds(Int64(idle * 1000))
        chat.benchEcho = benchEcho || ["1", "true", "yes"].contains(Environment.value("CARTEIRO_BENCH_ECHO")?.lowercased() ?? "")
        try chat.validate()
        return chat
    }
}
