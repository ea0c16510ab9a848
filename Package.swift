// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "carteiro",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "carteiro", targets: ["carteiro"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: ["JSON", "YAML"]),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // Models, IDs, status machines, events, and the ports (store, event bus, clock) every service meets on.
        .target(
            name: "CarteiroDomain",
            // Crypto for one thing: the SHA-256 an erased contact keeps of its address.
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The event bus: delivers the durable event log to subscribers, in order, at least once.
        .target(
            name: "CarteiroEvents",
            dependencies: [
                "CarteiroDomain",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // libmongoc, as Debian 12 ships it (1.23.1). Only MongoKit imports it.
        .systemLibrary(
            name: "CMongoC",
            pkgConfig: "libmongoc-1.0",
            providers: [.apt(["libmongoc-dev"])]
        ),
        // Swift face of libmongoc: client pool, BSON <-> Swift, typed errors, calls off the cooperative pool.
        .target(
            name: "MongoKit",
            dependencies: [
                "CMongoC",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // libcurl 7.88 (Debian 12), for SMTP and IMAP. Only CurlKit imports it.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // curl_easy_setopt is variadic: one typed C function per argument type, callable from Swift.
        .target(
            name: "CCurlShim",
            dependencies: ["CCurl"]
        ),
        // Swift face of libcurl: easy/multi handles on threads of their own, SMTP sending with connection reuse, typed errors.
        .target(
            name: "CurlKit",
            dependencies: [
                "CCurl", "CCurlShim",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // RFC 5322/MIME messages: building (encodings, folding, RFC 2047) and parsing (any depth, charsets, DSNs), no I/O.
        .target(
            name: "CarteiroMIME",
            dependencies: [],
            swiftSettings: swiftSettings
        ),
        // The inbox: classifying incoming mail (replies, sign-ups, unsubscribes, auto-replies, bounces,
        // complaints) as a pure function of a parsed message; the IMAP watcher will live beside it.
        .target(
            name: "CarteiroInbox",
            dependencies: [
                "CarteiroDomain", "CarteiroMIME", "CarteiroUseCases", "CurlKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // DKIM signing (RFC 6376 relaxed/relaxed; RSA-SHA256 and Ed25519-SHA256, RFC 8463) and key generation.
        .target(
            name: "CarteiroDKIM",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Mail for the platform: templates, composing a message for a contact, transports (SMTP relays, .eml files).
        .target(
            name: "CarteiroMail",
            dependencies: [
                "CarteiroDomain", "CarteiroMIME", "CarteiroDKIM", "CurlKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        // The email worker: claims queued jobs, sends them through a pool of relays (load balancing,
        // circuit breakers, heartbeats, retry with backoff) and records every outcome.
        .target(
            name: "CarteiroDelivery",
            dependencies: [
                "CarteiroDomain", "CarteiroMail",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Outgoing webhooks: each registered receiver gets the event log's events it asked for, POSTed
        // as signed JSON, in order, at least once, from a durable per-webhook checkpoint; retries back
        // off, then park. One loop per webhook, so a slow or dead receiver never holds up the others.
        .target(
            name: "CarteiroWebhooks",
            dependencies: [
                "CarteiroDomain",
                // Doorbell: a loop woken by the log's append signals.
                "CarteiroEvents",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Use cases the CLI, the admin API and the scheduler share (accepting a send, …): checks,
        // then writes through the store ports. No transport, no concrete store.
        .target(
            name: "CarteiroUseCases",
            dependencies: ["CarteiroDomain", "CarteiroMail", "CarteiroMIME"],
            swiftSettings: swiftSettings
        ),
        // The admin campaign API under /api/v1: types and routes generated from `openapi.yaml` (the
        // source of truth), bearer tokens with scopes, and the handlers over the use cases and store ports.
        .target(
            name: "CarteiroAPI",
            dependencies: [
                "CarteiroDomain", "CarteiroUseCases", "CarteiroMail", "CarteiroMIME",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.embedInCode("openapi.yaml")],
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // The two store backends behind the domain's ports: embedded SQLite (default) and MongoDB.
        .target(
            name: "CarteiroStore",
            dependencies: [
                "CarteiroDomain",
                "CarteiroJSON",
                "MongoKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                // sqlite3_memory_used, for /metrics.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Composition root: configuration, roles, the ServiceGroup, the HTTP app (health, readiness, metrics).
        .target(
            name: "CarteiroServer",
            dependencies: [
                "CarteiroAPI",
                "CarteiroDomain",
                "CarteiroEvents",
                "CarteiroDelivery",
                "CarteiroMail",
                "CarteiroStore",
                "CarteiroChat",
                "CarteiroChatProtocol",
                "CarteiroConversations",
                "CarteiroInbox",
                "CarteiroMIME",
                "CarteiroUseCases",
                "CarteiroWebhooks",
                "CMallocShim",
                "CurlKit",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Intent classification: text normalisation, TF-IDF word and character n-grams, a one-vs-rest
        // linear SVM, confidence for out-of-scope detection, and evaluation on a labelled corpus.
        .target(
            name: "CarteiroNLU",
            dependencies: ["CarteiroDomain"],
            swiftSettings: swiftSettings
        ),
        // The support bot: bot files (YAML) loaded and checked, entities, intents, and a pure dialogue
        // engine (slot filling, fallback and hand-off policy) that turns a customer message into replies and effects.
        .target(
            name: "CarteiroChat",
            dependencies: [
                "CarteiroDomain",
                "CarteiroNLU",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // JSON written and read by hand where Foundation's coders cost more than the work around
        // them: chat frames, stored chat messages, per-message events.
        .target(
            name: "CarteiroJSON",
            swiftSettings: swiftSettings
        ),
        // The chat wire protocol: customer, agent and server frames as JSON text, shared by the
        // server, the terminal client and the chat benchmark.
        .target(
            name: "CarteiroChatProtocol",
            dependencies: ["CarteiroJSON"],
            swiftSettings: swiftSettings
        ),
        // Chat clients that survive network drops (reconnect, resume by sequence, resend
        // unacknowledged messages): the terminal client and tests use them.
        .target(
            name: "CarteiroChatClient",
            dependencies: [
                "CarteiroChatProtocol",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                // RefusalProbe: a plain GET (over TLS for wss://) asking why an upgrade was refused.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Conversations: customers, the bot and agents on the store's message log (sequence-checked
        // answers, hand-off, claims), in-process fan-out and a feed of other processes' messages. No transport.
        .target(
            name: "CarteiroConversations",
            dependencies: [
                "CarteiroDomain",
                "CarteiroChat",
                "CarteiroEvents",
                "CarteiroJSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // glibc's mallopt and malloc_trim, which Swift's Glibc module does not export, as typed functions.
        .target(
            name: "CMallocShim"
        ),
        // `carteiro bench …`: the benchmarks (store, parsing, delivery against local sinks, chat),
        // kept out of the product's code as Hummingbird keeps its benchmarks apart.
        .target(
            name: "CarteiroBench",
            dependencies: [
                "CarteiroDomain", "CarteiroDelivery", "CarteiroEvents", "CarteiroMail", "CarteiroMIME", "CarteiroServer", "CarteiroStore",
                "CarteiroUseCases", "CarteiroChatProtocol", "CarteiroAPI", "CarteiroConversations", "CarteiroInbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The one executable: a thin command line over the server and the libraries.
        .executableTarget(
            name: "carteiro",
            dependencies: [
                "CarteiroDomain",
                "CarteiroEvents",
                "CarteiroMail",
                "CarteiroMIME",
                "CarteiroDKIM",
                "CarteiroDelivery",
                "CurlKit",
                "CarteiroStore",
                "CarteiroServer",
                "CarteiroNLU",
                "CarteiroChat",
                "CarteiroChatProtocol",
                "CarteiroChatClient",
                "CarteiroConversations",
                "CarteiroUseCases",
                "CarteiroInbox",
                "CarteiroJSON",
                "CarteiroBench",
                "CarteiroWebhooks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Peer launchers (nx-27017, SMTP sinks, Dovecot), temp folders and fakes; used by tests only.
        .target(
            name: "CarteiroTesting",
            dependencies: [
                "CarteiroDomain",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test helpers that need a concrete store (a fresh store of each backend); tests only.
        .target(
            name: "CarteiroStoreTesting",
            dependencies: [
                "CarteiroDomain", "CarteiroStore", "CarteiroTesting", "MongoKit",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroDomainTests",
            dependencies: ["CarteiroDomain", "CarteiroTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CurlKitTests",
            dependencies: ["CurlKit", "CarteiroTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroMIMETests",
            dependencies: ["CarteiroMIME", "CarteiroTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroInboxTests",
            dependencies: [
                "CarteiroInbox", "CarteiroDomain", "CarteiroMIME", "CarteiroStore", "CarteiroStoreTesting", "CarteiroTesting", "CarteiroUseCases",
                "CurlKit", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroDKIMTests",
            dependencies: ["CarteiroDKIM", "CarteiroTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroMailTests",
            dependencies: ["CarteiroMail", "CarteiroMIME", "CarteiroDKIM", "CurlKit", "CarteiroDomain", "CarteiroTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroDeliveryTests",
            dependencies: [
                "CarteiroDelivery", "CarteiroMail", "CarteiroDomain", "CarteiroStore", "CarteiroTesting", "CurlKit",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroNLUTests",
            dependencies: ["CarteiroNLU", "CarteiroTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroChatTests",
            dependencies: ["CarteiroChat", "CarteiroNLU", "CarteiroDomain", "CarteiroTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroJSONTests",
            dependencies: ["CarteiroJSON"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroChatProtocolTests",
            dependencies: ["CarteiroChatProtocol"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroChatClientTests",
            dependencies: ["CarteiroChatClient"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroConversationsTests",
            dependencies: [
                "CarteiroConversations", "CarteiroChat", "CarteiroDomain", "CarteiroStore", "CarteiroTesting", "MongoKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MongoKitTests",
            dependencies: ["MongoKit", "CarteiroTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroStoreTests",
            dependencies: [
                "CarteiroDomain", "CarteiroStore", "CarteiroStoreTesting", "CarteiroTesting", "MongoKit",
                // To write a database as an earlier schema version left it, for migration tests.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroEventsTests",
            dependencies: [
                "CarteiroDomain", "CarteiroEvents", "CarteiroStore", "CarteiroStoreTesting", "CarteiroTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroWebhooksTests",
            dependencies: [
                "CarteiroWebhooks", "CarteiroDomain", "CarteiroStore", "CarteiroStoreTesting", "CarteiroTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroUseCasesTests",
            dependencies: ["CarteiroUseCases", "CarteiroDomain", "CarteiroMIME", "CarteiroMail", "CarteiroStore", "CarteiroStoreTesting", "CarteiroTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroAPITests",
            dependencies: [
                "CarteiroAPI", "CarteiroDomain", "CarteiroMIME", "CarteiroStore", "CarteiroStoreTesting", "CarteiroTesting", "CarteiroUseCases",
                // The webhook story: the deliverer beside the API, against a real receiver.
                "CarteiroWebhooks", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarteiroServerTests",
            dependencies: [
                "CarteiroChat", "CarteiroConversations", "CarteiroDomain", "CarteiroDelivery", "CarteiroStore", "CarteiroServer", "CarteiroTesting",
                "CarteiroStoreTesting", "CarteiroUseCases", "CarteiroMIME", "CarteiroWebhooks",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Tests that run the built `carteiro` as a user or an operator does (serve, send, chat,
        // bot, events tail), against real peers. CarteiroProcess finds or builds the binary.
        .testTarget(
            name: "CarteiroEndToEndTests",
            dependencies: [
                "CarteiroDomain", "CarteiroMail", "CarteiroMIME", "CarteiroServer", "CarteiroStore", "CarteiroTesting", "MongoKit",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
