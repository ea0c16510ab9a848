public import CarteiroChat
import CarteiroConversations
public import CarteiroDomain
import CarteiroAPI
import CarteiroDelivery
import CarteiroInbox
import CarteiroMIME
import CarteiroUseCases
import CarteiroWebhooks
public import CarteiroEvents
public import CarteiroMail
import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
public import Logging
import NIOCore
public import Prometheus
public import ServiceLifecycle
import UnixSignals

/// The composition root: builds the services a process runs for its roles, in start order
/// (store, event bus, workers, HTTP last), and runs them in one ServiceGroup.
public struct CarteiroRuntime {
    public let configuration: ServerConfiguration
    public let store: any Store
    public let registry: PrometheusCollectorRegistry
    public let logger: Logger
    /// The chat role's conversations (with their hub), when the process has the role and a bot.
    private let conversations: ConversationService?
    /// The public links of bulk mail; nil without `--public-url`.
    private let links: MailLinks?
    /// Opens and clicks taken by the `api` role's tracking routes, written in batches.
    private let engagementRecorder: EngagementRecorder?
    /// Agent tokens as the chat role checks them (one cache and one use throttle per process).
    private let agentAuthenticator: AgentAuthenticator
    /// Ends agent sessions whose token was revoked or expired; runs with the chat role.
    private let tokenWatch: AgentTokenWatch
    /// Last uses written at most once a minute per token, whether the agent chat or the API saw it.
    private let tokenUses: TokenUseThrottle

    /// `bot` is the trained bot of the `chat` role; without it the role serves no conversations.
    /// `links`: the public links of bulk mail (unsubscribe, tracking), when a public URL is
    /// configured (see `MailLinks.load`).
    public init(
        configuration: ServerConfiguration, store: any Store, registry: PrometheusCollectorRegistry, bot: Bot? = nil, links: MailLinks? = nil,
        logger: Logger
    ) {
        self.configuration = configuration
        self.links = links
        engagementRecorder = links.map { _ in
            EngagementRecorder(store: store, machineWindow: configuration.signUps.machineOpenWindow.timeInterval)
        }
        self.store = store
        self.registry = registry
        self.logger = logger
        if configuration.roles.contains(.chat), let bot {
            conversations = ConversationService(
                dependencies: .init(
                    conversations: store.conversations, messages: store.chatMessages, bot: bot, hub: ConversationHub(),
                    signUps: configuration.signUps.mail.map { ChatSignUpRequests(store: store, settings: $0) },
                    emailAnswers: configuration.signUps.mail.map { ChatEmailAnswers(store: store, mailFrom: $0.mailFrom) }),
                logger: logger)
        } else {
            conversations = nil
        }
        let tokenUses = TokenUseThrottle()
        self.tokenUses = tokenUses
        agentAuthenticator = AgentAuthenticator(tokens: store.accessTokens, uses: tokenUses)
        tokenWatch = AgentTokenWatch(tokens: store.accessTokens, logger: logger)
    }

    /// The HTTP application, with the chat role's WebSocket routes. `onServerRunning` receives the
    /// bound port (useful with port 0).
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let router = Router()
        HealthRoutes(store: store, registry: registry).register(on: router, metrics: configuration.http.metricsAddress == nil)
        if configuration.roles.contains(.api) {
            try AdminAPI(store: store, configuration: .init(signUps: configuration.signUps.mail), tokenUses: tokenUses, logger: logger)
                .register(on: router)
        }
        if configuration.roles.contains(.api) || configuration.roles.contains(.inbox), configuration.signUps.mail != nil {
            ConfirmationPages(store: store, logger: logger).register(on: router)
        }
        if configuration.roles.contains(.api), let links, let engagementRecorder {
            EngagementRoutes(store: store, links: links, recorder: engagementRecorder, logger: logger).register(on: router)
        }
        let chat = configuration.chat
        let gate = ConnectionGate(
            limits: .init(maximum: chat.maximumConnections, perAddress: chat.maximumConnectionsPerAddress, evictableAfter: chat.helloTimeout / 5))
        let addresses = ClientAddressResolver(trustedProxies: configuration.http.trustedProxies)
        let admission = ChatAdmission(configuration: chat, gate: gate, addresses: addresses)
        let chatRoutes = ChatRoutes(
            service: conversations, authenticator: agentAuthenticator, tokenWatch: tokenWatch, configuration: chat, admission: admission,
            quotas: ChatQuotas(
                limits: .init(
                    conversationsPerMinute: chat.conversationsPerMinute, addressBytesPerMinute: chat.addressBytesPerMinute,
                    conversationBytesPerMinute: chat.conversationBytesPerMinute)),
            logger: logger)
        if conversations != nil { ChatRefusalRoutes(admission: admission, authenticator: agentAuthenticator).register(on: router) }
        let agentAuthenticator = self.agentAuthenticator
        let http = configuration.http
        let reserve = DescriptorReserve(budget: DescriptorReserve.processBudget(reserve: http.descriptorReserve))
        let channelConfiguration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: .init(
                idleTimeout: TimeAmount(http.idleTimeout),
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: http.maximumHeaderBytes, maxHeaderListSize: http.maximumHeaderBytes,
                    maxHeaderFieldCount: http.maximumHeaderCount)),
            // Invalid UTF-8 in a text frame closes the connection with 1007 (RFC 6455 §8.1)
            // instead of reaching the store as U+FFFD.
            ws: .init(maxFrameSize: chat.maximumFrameBytes, autoPing: .enabled(timePeriod: .seconds(30)), validateUTF8: true))
        return Application(
            router: router,
            server: HTTPServerBuilder { responder in
                GuardedWebSocketChannel(
                    base: HTTP1WebSocketUpgradeChannel(
                        responder: responder, configuration: channelConfiguration,
                        shouldUpgrade: { head, channel, _ in await chatRoutes.shouldUpgrade(head, channel: channel) }),
                    admission: admission, authenticator: agentAuthenticator, headTimeout: http.headTimeout, reserve: reserve,
                    addresses: addresses)
            },
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "carteiro"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// `/metrics` alone on `--metrics-address`, when it is set: a second, small HTTP server, so that
    /// the main port (public, behind a proxy) need not show the figures. `onServerRunning`
    /// receives its bound port (useful with port 0).
    public func makeMetricsApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> (any Service)? {
        guard let address = configuration.http.metricsAddress else { return nil }
        let router = Router()
        HealthRoutes(store: store, registry: registry).registerMetrics(on: router)
        let logger = logger
        return Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "carteiro"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("metrics listening", metadata: ["url": "http://\(address.host):\(port)/metrics"])
                await onServerRunning(port)
            },
            logger: logger
        )
    }

    /// Services in start order; a later issue's role adds its services here.
    public func makeServices(subscribers: [any EventSubscriber] = [], onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        throws -> [any Service]
    {
        var services: [any Service] = [StoreService(store: store)]
        for subscriber in subscribers {
            services.append(EventSubscription(subscriber: subscriber, log: store.events, logger: logger))
        }
        if let conversations {
            services.append(
                ConversationFeed(events: store.events, messages: store.chatMessages, hub: conversations.hub, logger: logger))
            services.append(tokenWatch)
        }
        if configuration.roles.contains(.worker) {
            services.append(contentsOf: makeWorkerServices())
            // Outgoing webhooks go with the worker role: like email, they are deliveries to the
            // outside world, retried with backoff; the cursor leases let several workers share them.
            services.append(WebhookDeliveryService(store: store, configuration: configuration.webhooks, logger: logger))
        }
        if configuration.roles.contains(.api) { services.append(CampaignClock(store: store, logger: logger)) }
        if configuration.roles.contains(.api), let engagementRecorder {
            services.append(EngagementFlushService(recorder: engagementRecorder, logger: logger))
        }
        if configuration.roles.contains(.inbox) {
            let signUps = configuration.signUps
            if signUps.inboxes.isEmpty {
                logger.notice("the inbox role reads no mailbox: give --inbox imap://user:pass@host:port/INBOX")
            } else {
                let actions = InboxActions(store: store, signUps: signUps.mail)
                let watchers = signUps.inboxes.map {
                    MailboxWatcher(
                        url: $0, store: store, actions: actions, signUpAddress: signUps.mail?.signUpAddress.address,
                        leaseDuration: max(120, 3 * Double(signUps.inboxInterval.components.seconds)), logger: logger)
                }
                services.append(InboxWatchService(watchers: watchers, interval: signUps.inboxInterval, logger: logger))
            }
        }
        if let metrics = makeMetricsApplication() { services.append(metrics) }
        services.append(MemoryReleaseService())
        services.append(try makeApplication(onServerRunning: onServerRunning))
        return services
    }

    /// Runs until SIGTERM/SIGINT, then shuts down gracefully within the configured grace period.
    public func run(subscribers: [any EventSubscriber] = [], onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        // Before the HTTP server sizes its descriptor reserve from the limit.
        if let (from, to) = DescriptorReserve.raiseSoftLimit() {
            logger.info("raised the open file limit", metadata: ["from": "\(from)", "to": "\(to)"])
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: try makeServices(subscribers: subscribers, onServerRunning: onServerRunning).map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGracePeriod
        logger.info(
            "carteiro starting",
            metadata: [
                "roles": "\(configuration.roles.sorted().map(\.rawValue).joined(separator: ","))", "store": "\(store.displayName)",
                "address": "\(configuration.host):\(configuration.port)",
            ])
        for role in configuration.roles.sorted() {
            logger.info("role \(role.rawValue): \(role.services)")
        }
        try await ServiceGroup(configuration: groupConfiguration).run()
        logger.info("carteiro stopped")
    }

    /// The worker role: the relay pool with its shared heartbeats, breaker reporting and SIGHUP
    /// reload; the queue gauges; and the delivery worker.
    func makeWorkerServices() -> [any Service] {
        let workerID = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        let clock = SystemWallClock()
        let source = RelaySource(configuration: configuration)
        // The relays and limits were validated with the rest of the configuration, before anything started.
        let definitions = (try? source.load()) ?? []
        let installer = RelayInstaller(definitions: definitions, logger: logger)
        // The route is fixed at start: a SIGHUP reload changes the relays, not the jobs this worker takes.
        let route = configuration.delivery.route(relays: definitions.map(\.configuration.name))
        logger.info("worker route", metadata: ["route": "\(route)"])
        let reporter = RelayStateReporter(board: store.relayStates, workerID: workerID, logger: logger)
        let delivery = configuration.delivery
        let pool = RelayPool(
            relays: installer.initialRelays, strategy: delivery.strategy, clock: clock,
            onTransition: { relay, transition in reporter.breakerChanged(relay: relay, transition: transition, at: clock.now()) })
        let worker = DeliveryWorker(
            queue: store.emailJobs, catalog: SendCatalog(sends: store.sends, makeComposer: SendCatalog.composer(signingWith: delivery.keyring, links: links)),
            pool: pool, configuration: delivery.workerConfiguration(workerID: workerID, routes: [route]), clock: clock, throttle: store.throttle,
            suppression: SuppressionCheck(contacts: store.contacts), logger: logger)
        return [
            RelayHeartbeatService(
                pool: pool, reporter: reporter,
                heartbeat: SharedRelayHeartbeat(
                    pool: pool, board: store.relayStates, reporter: reporter, workerID: workerID, interval: delivery.heartbeatInterval,
                    clock: clock, logger: logger),
                gauges: QueueGauges(queue: store.emailJobs, clock: clock, logger: logger)),
            RelayReloadService(source: source, installer: installer, pool: pool, logger: logger),
            worker,
        ]
    }
}

/// Until shutdown: relay heartbeats shared through the store, breaker states written to it, and
/// the queue gauges. Shuts the relays' transports down last, after the worker has stopped.
struct RelayHeartbeatService: Service {
    let pool: RelayPool
    let reporter: RelayStateReporter
    let heartbeat: SharedRelayHeartbeat
    let gauges: QueueGauges

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await heartbeat.run() }
                group.addTask { await reporter.run() }
                group.addTask { await gauges.run(every: .seconds(5)) }
            }
        }
        reporter.finish()
        await pool.shutdown()
    }
}
