public import Foundation

public typealias WebhookID = Identifier<Webhook>

/// A receiver of events: the URL each wanted event is POSTed to, signed with the webhook's secret.
///
/// The secret is kept as given (a signature needs the key itself, so it cannot be hashed); the
/// API shows it once, in the answer to the creation, and never again.
public struct Webhook: Aggregate {
    /// The event kinds a webhook may ask for; `*` is every kind, present and future.
    public static let everyKind = "*"

    public let id: WebhookID
    public var version: Int
    /// An absolute `http` or `https` URL.
    public let url: URL
    /// Kinds (`contact.confirmed`, …) in the order given, or `["*"]` for all.
    public let eventKinds: [String]
    public let secret: String
    public var description: String?
    public let createdAt: Date
    /// The event log's last position when the webhook was made: it receives the events after it,
    /// what happens from its creation on, not the history.
    public let startsAfter: Int64

    public init(
        id: WebhookID = WebhookID(), url: String, eventKinds: [String], secret: String?, description: String? = nil, createdAt: Date,
        startsAfter: Int64
    ) throws(ValidationError) {
        self.id = id
        self.startsAfter = startsAfter
        self.version = 0
        self.url = try Self.validURL(url)
        self.eventKinds = try Self.validKinds(eventKinds)
        if let secret {
            guard (16...200).contains(secret.utf8.count), secret.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw ValidationError(field: "secret", reason: "must be 16 to 200 printable ASCII characters without spaces")
            }
            self.secret = secret
        } else {
            self.secret = Self.makeSecret()
        }
        self.description = description
        self.createdAt = createdAt
    }

    /// Whether the webhook wants events of `kind`.
    public func wants(_ kind: DomainEvent.Kind) -> Bool {
        eventKinds.contains(Self.everyKind) || eventKinds.contains(kind.rawValue)
    }

    /// `whsec_` and 32 random bytes in lowercase hex.
    public static func makeSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_" + bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func validURL(_ text: String) throws(ValidationError) -> URL {
        guard text.utf8.count <= 2_000, let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host(), !host.isEmpty, url.user == nil
        else {
            throw ValidationError(field: "url", reason: "must be an absolute http:// or https:// URL without credentials")
        }
        return url
    }

    static func validKinds(_ kinds: [String]) throws(ValidationError) -> [String] {
        guard !kinds.isEmpty else { throw ValidationError.empty("eventKinds") }
        var unique: [String] = []
        for kind in kinds where !unique.contains(kind) {
            guard kind == everyKind || DomainEvent.Kind(rawValue: kind) != nil else {
                throw ValidationError(field: "eventKinds", reason: "'\(kind)' is not an event kind (or * for all)")
            }
            unique.append(kind)
        }
        return unique
    }
}
