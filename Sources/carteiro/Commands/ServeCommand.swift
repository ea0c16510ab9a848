import ArgumentParser
import CarteiroChat
import CarteiroDomain
import CarteiroMail
import CarteiroMIME
import CarteiroUseCases
import CarteiroServer
import CarteiroWebhooks
import Foundation
import Logging
import Metrics
import Prometheus

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Carteiro's services (HTTP health, readiness and metrics, plus the selected roles).",
        discussion: """
            Every option is also a CARTEIRO_* environment variable and a key of the --config file \
            (the README lists them); a flag wins over the environment, which wins over the file.
            """
    )

    typealias Keys = ServerConfiguration.Keys
    typealias HTTPKeys = HTTPConfiguration.Keys
    typealias ChatKeys = ChatConfiguration.Keys
    typealias SignUpKeys = SignUpConfiguration.Keys
    typealias WebhookKeys = WebhookConfiguration.Keys

    @OptionGroup var storeOptions: StoreOptions
    @Option(name: .customLong(Keys.host.flag), help: .init(Keys.host.help)) var host: String?
    @Option(name: .customLong(Keys.port.flag), parsing: .unconditional, help: .init(Keys.port.help)) var port: Int?
    @Option(name: .customLong(Keys.roles.flag), help: .init(Keys.roles.help)) var roles: String?
    @Option(name: .customLong(Keys.logFormat.flag), help: .init(Keys.logFormat.help)) var logFormat: String?
    @Option(name: .customLong(Keys.logLevel.flag), help: .init(Keys.logLevel.help)) var logLevel: String?
    @Option(name: .customLong(HTTPKeys.headTimeoutSeconds.flag), parsing: .unconditional, help: .init(HTTPKeys.headTimeoutSeconds.help)) var httpHeadTimeoutSeconds: Double?
    @Option(name: .customLong(HTTPKeys.idleTimeoutSeconds.flag), parsing: .unconditional, help: .init(HTTPKeys.idleTimeoutSeconds.help)) var httpIdleTimeoutSeconds: Double?
    @Option(name: .customLong(HTTPKeys.maxHeaderBytes.flag), parsing: .unconditional, help: .init(HTTPKeys.maxHeaderBytes.help)) var httpMaxHeaderBytes: Int?
    @Option(name: .customLong(HTTPKeys.maxHeaders.flag), parsing: .unconditional, help: .init(HTTPKeys.maxHeaders.help)) var httpMaxHeaders: Int?
    @Option(name: .customLong(HTTPKeys.descriptorReserve.flag), parsing: .unconditional, help: .init(HTTPKeys.descriptorReserve.help)) var httpDescriptorReserve: Int?
    @Option(name: .customLong(HTTPKeys.trustedProxies.flag), help: .init(HTTPKeys.trustedProxies.help)) var trustedProxies: [String] = []
    @Option(name: .customLong(HTTPKeys.metricsAddress.flag), help: .init(HTTPKeys.metricsAddress.help)) var metricsAddress: String?
    @OptionGroup var deliveryOptions: DeliveryOptions
    @Option(name: .customLong(ChatKeys.bot.flag), help: .init(ChatKeys.bot.help)) var bot: String?
    @Option(name: .customLong(ChatKeys.origins.flag), help: .init(ChatKeys.origins.help)) var chatOrigins: [String] = []
    @Option(name: .customLong(ChatKeys.maxConnections.flag), parsing: .unconditional, help: .init(ChatKeys.maxConnections.help))
    var chatMaxConnections: Int?
    @Option(name: .customLong(ChatKeys.maxConnectionsPerAddress.flag), parsing: .unconditional, help: .init(ChatKeys.maxConnectionsPerAddress.help))
    var chatMaxConnectionsPerAddress: Int?
    @Option(name: .customLong(ChatKeys.helloSeconds.flag), parsing: .unconditional, help: .init(ChatKeys.helloSeconds.help))
    var chatHelloSeconds: Double?
    @Option(name: .customLong(ChatKeys.conversationsPerMinute.flag), parsing: .unconditional, help: .init(ChatKeys.conversationsPerMinute.help))
    var chatConversationsPerMinute: Int?
    @Option(name: .customLong(ChatKeys.addressBytesPerMinute.flag), parsing: .unconditional, help: .init(ChatKeys.addressBytesPerMinute.help))
    var chatAddressBytesPerMinute: Int?
    @Option(
        name: .customLong(ChatKeys.conversationBytesPerMinute.flag), parsing: .unconditional, help: .init(ChatKeys.conversationBytesPerMinute.help))
    var chatConversationBytesPerMinute: Int?
    @Option(name: .customLong(ChatKeys.rate.flag), parsing: .unconditional, help: .init(ChatKeys.rate.help)) var chatRate: Double?
    @Option(name: .customLong(ChatKeys.burst.flag), parsing: .unconditional, help: .init(ChatKeys.burst.help)) var chatBurst: Int?
    @Option(name: .customLong(ChatKeys.idleSeconds.flag), parsing: .unconditional, help: .init(ChatKeys.idleSeconds.help)) var chatIdleSeconds:
        Double?
    @Flag(name: .customLong(ChatKeys.benchEcho.flag), help: .init(ChatKeys.benchEcho.help)) var benchEcho = false
    @Option(name: .customLong(SignUpKeys.signUpAddress.flag), help: .init(SignUpKeys.signUpAddress.help)) var signUpAddress: String?
    @Option(name: .customLong(SignUpKeys.mailFrom.flag), help: .init(SignUpKeys.mailFrom.help)) var mailFrom: String?
    @Option(name: .customLong(SignUpKeys.publicURL.flag), help: .init(SignUpKeys.publicURL.help)) var publicURL: String?
    @Option(name: .customLong(SignUpKeys.inboxes.flag), help: .init(SignUpKeys.inboxes.help)) var inboxes: [String] = []
    @Option(name: .customLong(SignUpKeys.inboxInterval.flag), help: .init(SignUpKeys.inboxInterval.help)) var inboxInterval: String?
    @Option(name: .customLong(SignUpKeys.machineOpenWindow.flag), help: .init(SignUpKeys.machineOpenWindow.help)) var machineOpenWindow: String?
    @Option(name: .customLong(WebhookKeys.retryWindow.flag), help: .init(WebhookKeys.retryWindow.help)) var webhookRetryWindow: String?
    @Option(name: .customLong(WebhookKeys.backoffCap.flag), help: .init(WebhookKeys.backoffCap.help)) var webhookBackoffCap: String?
    @Option(name: .customLong(WebhookKeys.requestTimeout.flag), help: .init(WebhookKeys.requestTimeout.help)) var webhookTimeout: String?

    func run() async throws {
        let configuration = try await makeConfiguration()
        let logger = LoggingSetup.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
        // The bot is checked before the store is opened or created.
        var bot: Bot?
        if configuration.roles.contains(.chat) {
            do {
                bot = try Bot.load(file: configuration.chat.botFile)
            } catch {
                throw CLIError.badInput("cannot load the bot: \(error)")
            }
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let store: any Store
        do {
            store = try await StoreFactory.open(
                configuration.store, compoundPagingIndexes: storeOptions.compoundPagingIndexes,
                sqliteCaches: .init(writerKiB: configuration.storage.sqliteCacheMegabytes * 1024), logger: logger)
        } catch {
            throw CLIError.badInput("cannot open the store \(configuration.store): \(error)")
        }
        let links: MailLinks?
        do {
            links = try await MailLinks.load(
                publicURL: configuration.signUps.publicURL, unsubscribeMailbox: configuration.signUps.mail?.signUpAddress.address, store: store)
        } catch {
            throw CLIError.failed("cannot read the link-signing key from \(configuration.store): \(error)")
        }
        let runtime = CarteiroRuntime(configuration: configuration, store: store, registry: registry, bot: bot, links: links, logger: logger)
        do {
            try await runtime.run { port in
                logger.info("listening", metadata: ["url": "http://\(configuration.host):\(port)"])
            }
        } catch {
            throw CLIError.failed(StartupError.describe(error, host: configuration.host, port: configuration.port))
        }
    }

    /// Flags, then the environment, then the `--config` file, then the defaults; checked whole
    /// before anything starts.
    func makeConfiguration() async throws -> ServerConfiguration {
        var sources = storeOptions.sources(settings: ServerConfiguration.settings)
        sources.flag(Keys.host, host)
        sources.flag(Keys.port, port)
        sources.flag(Keys.roles, roles)
        sources.flag(Keys.logFormat, logFormat)
        sources.flag(Keys.logLevel, logLevel)
        sources.flag(HTTPKeys.headTimeoutSeconds, httpHeadTimeoutSeconds)
        sources.flag(HTTPKeys.idleTimeoutSeconds, httpIdleTimeoutSeconds)
        sources.flag(HTTPKeys.maxHeaderBytes, httpMaxHeaderBytes)
        sources.flag(HTTPKeys.maxHeaders, httpMaxHeaders)
        sources.flag(HTTPKeys.descriptorReserve, httpDescriptorReserve)
        sources.flag(HTTPKeys.trustedProxies, trustedProxies)
        sources.flag(HTTPKeys.metricsAddress, metricsAddress)
        deliveryOptions.addFlags(to: &sources)
        sources.flag(ChatKeys.bot, bot)
        sources.flag(ChatKeys.origins, chatOrigins)
        sources.flag(ChatKeys.maxConnections, chatMaxConnections)
        sources.flag(ChatKeys.maxConnectionsPerAddress, chatMaxConnectionsPerAddress)
        sources.flag(ChatKeys.helloSeconds, chatHelloSeconds)
        sources.flag(ChatKeys.conversationsPerMinute, chatConversationsPerMinute)
        sources.flag(ChatKeys.addressBytesPerMinute, chatAddressBytesPerMinute)
        sources.flag(ChatKeys.conversationBytesPerMinute, chatConversationBytesPerMinute)
        sources.flag(ChatKeys.rate, chatRate)
        sources.flag(ChatKeys.burst, chatBurst)
        sources.flag(ChatKeys.idleSeconds, chatIdleSeconds)
        sources.flag(ChatKeys.benchEcho, benchEcho)
        sources.flag(SignUpKeys.signUpAddress, signUpAddress)
        sources.flag(SignUpKeys.mailFrom, mailFrom)
        sources.flag(SignUpKeys.publicURL, publicURL)
        sources.flag(SignUpKeys.inboxes, inboxes)
        sources.flag(SignUpKeys.machineOpenWindow, machineOpenWindow)
        sources.flag(SignUpKeys.inboxInterval, inboxInterval)
        sources.flag(WebhookKeys.retryWindow, webhookRetryWindow)
        sources.flag(WebhookKeys.backoffCap, webhookBackoffCap)
        sources.flag(WebhookKeys.requestTimeout, webhookTimeout)
        return try await StoreOptions.read(sources) { reader throws(ConfigurationError) in try ServerConfiguration(reader: reader) }
    }
}
