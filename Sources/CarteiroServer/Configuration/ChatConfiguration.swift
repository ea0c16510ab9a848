import CarteiroDomain
import Foundation

/// The `chat` role's settings: the bot, who may connect, and the per-connection limits.
public struct ChatConfiguration: Sendable {
    /// The bot file the conversations' bot is trained from at start.
    public var botFile: String = "bots/support.yml"
    /// Browser origins allowed to open `/chat` and `/agent` (`https://shop.example`). Empty: any.
    /// A request without an `Origin` header (not a browser) is always allowed.
    public var allowedOrigins: [String] = []
    /// Largest WebSocket frame or message; a larger one closes the connection with 1009.
    public var maximumFrameBytes: Int = 64 * 1024
    /// Frames a connection may send per second on average (token bucket refill rate).
    public var framesPerSecond: Double = 20
    /// Frames a connection may send at once (token bucket size).
    public var burst: Int = 40
    /// Refused (rate-limited) frames within `abuseWindow` after which the connection is closed with 1008.
    public var abuseLimit: Int = 50
    public var abuseWindow: Duration = .seconds(10)
    /// A connection that sends nothing for this long is closed (1001).
    public var idleTimeout: Duration = .seconds(300)
    /// Open chat and agent connections at most, per process; further upgrades are refused.
    public var maximumConnections: Int = 10_000
    /// Open customer connections per client address (IPv6: per /64); 0: no limit.
    public var maximumConnectionsPerAddress: Int = 50
    /// A customer connection that has not said `hello` this long after opening is closed (1008);
    /// after a fifth of it, it may be closed (1013) to let another in when the process is full.
    public var helloTimeout: Duration = .seconds(10)
    /// New conversations one client address may start per minute; 0: no limit.
    public var conversationsPerMinute: Int = 20
    /// Customer message bytes one client address may have stored per minute; 0: no limit.
    public var addressBytesPerMinute: Int = 256 * 1024
    /// Customer message bytes one conversation may store per minute; 0: no limit.
    public var conversationBytesPerMinute: Int = 32 * 1024
    /// Registers `/bench/echo` (a bare echo WebSocket route for `carteiro bench chat`).
    public var benchEcho: Bool = false

    public init() {}

    /// Whether a WebSocket upgrade with this `Origin` header may proceed.
    public func allows(origin: String?) -> Bool {
        guard let origin, !allowedOrigins.isEmpty else { return true }
        let normalized = Self.normalize(origin)
        return allowedOrigins.contains { Self.normalize($0) == normalized }
    }

    static func normalize(_ origin: String) -> String {
        var text = origin.trimmingCharacters(in: .whitespaces).lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// Refuses limits that cannot work, naming the flag.
    public func validate() throws(ConfigurationError) {
        guard !botFile.isEmpty else { throw ConfigurationError(key: "bot", message: "must name a bot file") }
        guard (4096...(16 * 1024 * 1024)).contains(maximumFrameBytes) else {
            throw ConfigurationError(key: "chat-max-frame-bytes", message: "\(maximumFrameBytes) is not between 4096 and 16777216")
        }
        guard framesPerSecond > 0, framesPerSecond.isFinite else {
            throw ConfigurationError(key: "chat-rate", message: "must be a positive number of frames per second")
        }
        guard burst >= 1 else { throw ConfigurationError(key: "chat-burst", message: "must be at least 1") }
        guard maximumConnections >= 1 else { throw ConfigurationError(key: "chat-max-connections", message: "must be at least 1") }
        guard idleTimeout > .zero else { throw ConfigurationError(key: "chat-idle-seconds", message: "must be positive") }
        guard maximumConnectionsPerAddress >= 0 else {
            throw ConfigurationError(key: "chat-max-connections-per-address", message: "must not be negative (0: no limit)")
        }
        guard helloTimeout > .zero else { throw ConfigurationError(key: "chat-hello-seconds", message: "must be positive") }
        guard conversationsPerMinute >= 0 else {
            throw ConfigurationError(key: "chat-conversations-per-minute", message: "must not be negative (0: no limit)")
        }
        // A quota smaller than one message of the largest text would refuse that message forever.
        let largestMessage = ChatMessage.maximumTextBytes + ChatQuotas.messageOverhead
        for (flag, value) in [("chat-address-bytes-per-minute", addressBytesPerMinute), ("chat-conversation-bytes-per-minute", conversationBytesPerMinute)]
        where value != 0 && value < largestMessage {
            throw ConfigurationError(key: flag, message: "\(value) is less than one message of the largest text (\(largestMessage) bytes); 0: no limit")
        }
        for origin in allowedOrigins where !(origin.hasPrefix("http://") || origin.hasPrefix("https://")) {
            throw ConfigurationError(key: "chat-origin", message: "'\(origin)' is not an http(s) origin such as https://example.com")
        }
    }
}
