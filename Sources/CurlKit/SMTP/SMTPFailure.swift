/// Why a message (or a probe) did not get through, with what a caller needs to decide between
/// retrying later and bouncing.
///
/// - 4xx replies, refused connections, timeouts, dropped connections and TLS failures are
///   `isTransient`: try again later (after `retryAfter`, when the relay said).
/// - 5xx replies are `isPermanent`: the relay will not take this message as it is.
/// - Neither flag: a local fault (malformed relay URL, out of memory, client shut down before the
///   message was sent) that says nothing about the message or the relay.
public struct SMTPFailure: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Origin: Sendable, Hashable {
        case reply
        case transport
        case local
    }

    private let origin: Origin
    /// The relay's reply code (e.g. 451, 550), when the relay answered.
    public let replyCode: Int?
    /// The RFC 3463 enhanced status code (e.g. "5.1.1"), when the reply carried one.
    public let enhancedStatus: String?
    /// The relay's reply text without code and enhanced status, or what went wrong locally.
    public let text: String
    /// How long the relay asked to wait ("try again in 30 seconds").
    public let retryAfter: Duration?

    public var isTransient: Bool {
        switch origin {
        case .reply: return (replyCode ?? 0) / 100 == 4
        case .transport: return true
        case .local: return false
        }
    }

    public var isPermanent: Bool {
        origin == .reply && (replyCode ?? 0) / 100 == 5
    }

    private init(origin: Origin, replyCode: Int?, enhancedStatus: String?, text: String, retryAfter: Duration?) {
        self.origin = origin
        self.replyCode = replyCode
        self.enhancedStatus = enhancedStatus
        self.text = text
        self.retryAfter = retryAfter
    }

    /// A failure from a relay's reply, e.g. `451 4.3.0 Try again in 30 seconds`. Multi-line replies
    /// (`451-…` lines) are joined. Anything that is not a 4xx or 5xx reply becomes a transport failure.
    public static func reply(_ reply: String) -> SMTPFailure {
        let parsed = SMTPReply(reply)
        guard let code = parsed.code, (400..<600).contains(code) else {
            return .transport(reply.isEmpty ? "unexpected empty reply" : "unexpected reply: \(reply)")
        }
        return SMTPFailure(
            origin: .reply, replyCode: code, enhancedStatus: parsed.enhancedStatus, text: parsed.text,
            retryAfter: Self.retryAfter(in: parsed.text))
    }

    /// The relay could not be reached or stopped answering: refused or dropped connection, timeout,
    /// TLS handshake, a relay without STARTTLS when it is required. Always transient.
    public static func transport(_ text: String) -> SMTPFailure {
        SMTPFailure(origin: .transport, replyCode: nil, enhancedStatus: nil, text: text, retryAfter: nil)
    }

    /// A local fault: neither transient nor permanent.
    public static func local(_ text: String) -> SMTPFailure {
        SMTPFailure(origin: .local, replyCode: nil, enhancedStatus: nil, text: text, retryAfter: nil)
    }

    public var description: String {
        var parts: [String] = []
        if let replyCode { parts.append(String(replyCode)) }
        if let enhancedStatus { parts.append(enhancedStatus) }
        parts.append(text)
        let kind = isPermanent ? "permanent" : isTransient ? "transient" : "local"
        return "SMTP \(kind) failure: " + parts.joined(separator: " ")
    }

    /// Finds a wait the relay asked for: "try again in 30 seconds", "retry after 120s",
    /// "Please retry in 5 minutes", "try again later in 2 min". Nil when there is none.
    static func retryAfter(in text: String) -> Duration? {
        let words = tokenize(text.lowercased())
        var index = 0
        while index < words.count {
            defer { index += 1 }
            guard words[index] == "retry" || words[index] == "try" else { continue }
            var next = index + 1
            // Skip filler between the verb and the number: "again", "later", "in", "after".
            while next < words.count, ["again", "later", "in", "after", "about", "within"].contains(words[next]) { next += 1 }
            guard next < words.count, let (amount, unitInNumber) = splitNumber(words[next]) else { continue }
            let unit = unitInNumber.isEmpty ? (next + 1 < words.count ? words[next + 1] : "") : unitInNumber
            if let seconds = unitSeconds(unit) { return .seconds(amount * seconds) }
        }
        return nil
    }

    private static func tokenize(_ text: String) -> [Substring] {
        text.split { !($0.isLetter || $0.isNumber) }
    }

    /// "30" -> (30, ""), "120s" -> (120, "s").
    private static func splitNumber(_ word: Substring) -> (Int, Substring)? {
        let digits = word.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let amount = Int(digits) else { return nil }
        return (amount, word.dropFirst(digits.count))
    }

    private static func unitSeconds(_ unit: Substring) -> Int? {
        switch unit {
        case "s", "sec", "secs", "second", "seconds": return 1
        case "m", "min", "mins", "minute", "minutes": return 60
        case "h", "hr", "hrs", "hour", "hours": return 3600
        default: return nil
        }
    }
}
