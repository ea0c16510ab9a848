public import Configuration
import Foundation

extension ChatConfiguration {
    public enum Keys {
        public static let bot = Setting<String>(
            "chat.bot", flag: "bot", environment: "CARTEIRO_BOT", default: "bots/support.yml",
            "bot of the chat role, trained at start (a bad file stops the start with exit 2)")
        public static let origins = Setting<[String]>(
            "chat.origins", flag: "chat-origin", environment: "CARTEIRO_CHAT_ORIGINS", default: [], shownDefault: "any",
            "browser Origin allowed to open /chat and /agent, e.g. https://shop.example; others get 403 at the upgrade; requests without Origin (not browsers) are always allowed")
        public static let maxConnections = Setting<Int>(
            "chat.maxConnections", flag: "chat-max-connections", environment: "CARTEIRO_CHAT_MAX_CONNECTIONS", default: 10_000,
            "open chat and agent WebSockets per process; further upgrades are refused with 503")
        public static let maxConnectionsPerAddress = Setting<Int>(
            "chat.maxConnectionsPerAddress", flag: "chat-max-connections-per-address", environment: "CARTEIRO_CHAT_MAX_CONNECTIONS_PER_ADDRESS",
            default: 50,
            "open /chat WebSockets per client address (IPv6: per /64; behind a proxy, see --trusted-proxy), counted from the upgrade request; more are refused with 503; 0: no limit"
        )
        public static let helloSeconds = Setting<Double>(
            "chat.helloSeconds", flag: "chat-hello-seconds", environment: "CARTEIRO_CHAT_HELLO_SECONDS", default: 10,
            "a /chat connection that has not said hello this long after opening is closed (1008); when the process is full, the one waiting longest is closed (1013) to let a new connection in, once it has waited a fifth of this"
        )
        public static let conversationsPerMinute = Setting<Int>(
            "chat.conversationsPerMinute", flag: "chat-conversations-per-minute", environment: "CARTEIRO_CHAT_CONVERSATIONS_PER_MINUTE",
            default: 20,
            "new conversations one client address may start per minute (a token bucket); a hello past it gets error rate_limited; 0: no limit")
        public static let addressBytesPerMinute = Setting<Int>(
            "chat.addressBytesPerMinute", flag: "chat-address-bytes-per-minute", environment: "CARTEIRO_CHAT_ADDRESS_BYTES_PER_MINUTE",
            default: 256 * 1024,
            "customer message bytes one client address may have stored per minute, over all its conversations (each message counts its text plus 256); a message past it gets error rate_limited and is not stored; 0: no limit"
        )
        public static let conversationBytesPerMinute = Setting<Int>(
            "chat.conversationBytesPerMinute", flag: "chat-conversation-bytes-per-minute",
            environment: "CARTEIRO_CHAT_CONVERSATION_BYTES_PER_MINUTE", default: 32 * 1024,
            "customer message bytes one conversation may store per minute, whatever its connections (each message counts its text plus 256); a message past it gets error rate_limited and is not stored; 0: no limit"
        )
        public static let rate = Setting<Double>(
            "chat.rate", flag: "chat-rate", environment: "CARTEIRO_CHAT_RATE", default: 20,
            "frames per second a connection may send on average (token bucket); excess gets error rate_limited, 50 refusals within 10 s close the connection with 1008")
        public static let burst = Setting<Int>(
            "chat.burst", flag: "chat-burst", environment: "CARTEIRO_CHAT_BURST", default: 40, "frames a connection may send at once")
        public static let idleSeconds = Setting<Double>(
            "chat.idleSeconds", flag: "chat-idle-seconds", environment: "CARTEIRO_CHAT_IDLE_SECONDS", default: 300,
            "a connection silent this long is closed (1001)")
        public static let benchEcho = Setting<Bool>(
            "chat.benchEcho", flag: "bench-echo", environment: "CARTEIRO_BENCH_ECHO", default: false,
            "serve the bare echo WebSocket /bench/echo that `carteiro bench chat` compares with")

        public static let all: [any SettingDescription] = [
            bot, origins, maxConnections, maxConnectionsPerAddress, helloSeconds, conversationsPerMinute, addressBytesPerMinute,
            conversationBytesPerMinute, rate, burst, idleSeconds, benchEcho,
        ]
    }

    /// Reads the chat keys and refuses limits that cannot work, naming the key.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        self.init()
        botFile = reader.string(forKey: Keys.bot.configKey, default: Keys.bot.defaultValue)
        allowedOrigins = reader.stringArray(forKey: Keys.origins.configKey, default: []).map { $0.trimmingCharacters(in: .whitespaces) }
        maximumConnections = reader.int(forKey: Keys.maxConnections.configKey, default: Keys.maxConnections.defaultValue)
        framesPerSecond = reader.double(forKey: Keys.rate.configKey, default: Keys.rate.defaultValue)
        burst = reader.int(forKey: Keys.burst.configKey, default: Keys.burst.defaultValue)
        let idle = reader.double(forKey: Keys.idleSeconds.configKey, default: Keys.idleSeconds.defaultValue)
        guard idle > 0, idle.isFinite else { throw ConfigurationError(key: Keys.idleSeconds.flag, message: "'\(idle)' is not a positive number") }
        idleTimeout = .milliseconds(Int64(idle * 1000))
        maximumConnectionsPerAddress = reader.int(
            forKey: Keys.maxConnectionsPerAddress.configKey, default: Keys.maxConnectionsPerAddress.defaultValue)
        let hello = reader.double(forKey: Keys.helloSeconds.configKey, default: Keys.helloSeconds.defaultValue)
        guard hello > 0, hello.isFinite else { throw ConfigurationError(key: Keys.helloSeconds.flag, message: "'\(hello)' is not a positive number") }
        helloTimeout = .milliseconds(Int64(hello * 1000))
        conversationsPerMinute = reader.int(forKey: Keys.conversationsPerMinute.configKey, default: Keys.conversationsPerMinute.defaultValue)
        addressBytesPerMinute = reader.int(forKey: Keys.addressBytesPerMinute.configKey, default: Keys.addressBytesPerMinute.defaultValue)
        conversationBytesPerMinute = reader.int(
            forKey: Keys.conversationBytesPerMinute.configKey, default: Keys.conversationBytesPerMinute.defaultValue)
        benchEcho = reader.bool(forKey: Keys.benchEcho.configKey, default: Keys.benchEcho.defaultValue)
        try validate()
    }
}
