import CarteiroMIME
public import CarteiroUseCases
public import Configuration
public import Foundation

/// Sign-ups confirmed by reply, and Carteiro's own mail: the sign-up address, the From of the
/// confirmations, the public base of the confirm links, and the mailboxes the inbox watcher reads.
public struct SignUpConfiguration: Sendable {
    public enum Keys {
        public static let signUpAddress = Setting<String?>(
            "signup.address", flag: "signup-address", environment: "CARTEIRO_SIGNUP_ADDRESS", default: nil,
            "the address people write to in order to sign up ('Name <cadastro@example.com>'); a confirmation's Reply-To is local+TOKEN@domain of it; unset: no sign-up by chat, form or email"
        )
        public static let mailFrom = Setting<String?>(
            "mail.from", flag: "mail-from", environment: "CARTEIRO_MAIL_FROM", default: nil,
            "From of Carteiro's own mail (confirmations, answers to email conversations), 'Name <addr>'; unset: the sign-up address")
        public static let publicURL = Setting<String?>(
            "http.publicURL", flag: "public-url", environment: "CARTEIRO_PUBLIC_URL", default: nil,
            "public base URL of this server (https://example.com): confirm links are <URL>/confirm/<token>, bulk mail carries one-click unsubscribe (<URL>/u/…) and campaigns' open and click tracking (<URL>/t/…); unset: none of these links")
        public static let inboxes = Setting<[String]>(
            "inbox.urls", flag: "inbox", environment: "CARTEIRO_INBOX", default: [],
            "mailbox the inbox role reads, imap://user:pass@host:port/INBOX or imaps://… (sign-up, bounce and support addresses)")
        public static let inboxInterval = Setting<String>(
            "inbox.interval", flag: "inbox-interval", environment: "CARTEIRO_INBOX_INTERVAL", default: "10s",
            "how often each mailbox is read: 500ms, 10s, 2m")

        public static let machineOpenWindow = Setting<String>(
            "tracking.machineWindow", flag: "tracking-machine-window", environment: "CARTEIRO_TRACKING_MACHINE_WINDOW", default: "10s",
            "opens and clicks this soon after a message was sent are counted as machines' (image proxies, link scanners), apart from people's: 0s, 10s, 1m")

        public static let all: [any SettingDescription] = [signUpAddress, mailFrom, publicURL, inboxes, inboxInterval, machineOpenWindow]
    }

    /// The sign-up address, From and link base; nil when no sign-up address is configured.
    public var mail: SignUpMailSettings?
    /// The mailboxes to read, as given (credentials included: never logged).
    public var inboxes: [URL]
    public var inboxInterval: Duration
    /// The public base of the links in Carteiro's mail (confirm, unsubscribe, tracking); nil: none.
    public var publicURL: URL?
    /// Opens and clicks this soon after sending are machines'.
    public var machineOpenWindow: Duration

    public init(
        mail: SignUpMailSettings? = nil, inboxes: [URL] = [], inboxInterval: Duration = .seconds(10), publicURL: URL? = nil,
        machineOpenWindow: Duration = .seconds(10)
    ) {
        self.mail = mail
        self.inboxes = inboxes
        self.inboxInterval = inboxInterval
        self.publicURL = publicURL ?? mail?.publicURL
        self.machineOpenWindow = machineOpenWindow
    }

    public init(reader: ConfigReader) throws(ConfigurationError) {
        func address(_ key: Setting<String?>) throws(ConfigurationError) -> MailAddress? {
            guard let text = reader.string(forKey: key.configKey)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            do {
                return try MailAddress(parsing: text, field: key.flag)
            } catch {
                throw ConfigurationError(key: key.flag, message: "'\(text)' is not an address (\(error.message))")
            }
        }
        let signUpAddress = try address(Keys.signUpAddress)
        let mailFrom = try address(Keys.mailFrom)
        var publicURL: URL?
        if let text = reader.string(forKey: Keys.publicURL.configKey)?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
                throw ConfigurationError(key: Keys.publicURL.flag, message: "'\(text)' is not an http(s) URL such as https://example.com")
            }
            publicURL = url
        }
        if signUpAddress == nil, mailFrom != nil {
            // Without it Carteiro sends no mail of its own; say so rather than ignore the From.
            throw ConfigurationError(key: Keys.signUpAddress.flag, message: "is not set, and --\(Keys.mailFrom.flag) means nothing without it")
        }
        let mail = signUpAddress.map { SignUpMailSettings(signUpAddress: $0, mailFrom: mailFrom ?? $0, publicURL: publicURL) }
        let inboxes = try reader.stringArray(forKey: Keys.inboxes.configKey, default: []).map { text throws(ConfigurationError) -> URL in
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let url = URL(string: trimmed), ["imap", "imaps"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false,
                url.user?.isEmpty == false
            else {
                throw ConfigurationError(
                    key: Keys.inboxes.flag, message: "'\(Self.redacted(trimmed))' is not imap://user:pass@host:port/MAILBOX or imaps://…")
            }
            return url
        }
        let intervalText = reader.string(forKey: Keys.inboxInterval.configKey, default: Keys.inboxInterval.defaultValue)
        guard let interval = Self.duration(intervalText), interval >= .milliseconds(100), interval <= .seconds(86_400) else {
            throw ConfigurationError(key: Keys.inboxInterval.flag, message: "'\(intervalText)' is not a duration from 100ms to 24h such as 10s or 2m")
        }
        let windowText = reader.string(forKey: Keys.machineOpenWindow.configKey, default: Keys.machineOpenWindow.defaultValue)
        guard let window = Self.duration(windowText), window <= .seconds(3_600) else {
            throw ConfigurationError(key: Keys.machineOpenWindow.flag, message: "'\(windowText)' is not a duration up to 1h such as 10s")
        }
        self.init(mail: mail, inboxes: inboxes, inboxInterval: interval, publicURL: publicURL, machineOpenWindow: window)
    }

    /// `500ms`, `10s`, `2m`, `1h`, or a number of seconds.
    static func duration(_ text: String) -> Duration? {
        let text = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, seconds) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3_600.0)] where text.hasSuffix(suffix) {
            // "ms" is checked before "s" and "m".
            guard let value = Double(text.dropLast(suffix.count)), value.isFinite, value >= 0 else { return nil }
            return .milliseconds(Int64((value * seconds * 1_000).rounded()))
        }
        guard let value = Double(text), value.isFinite, value >= 0 else { return nil }
        return .milliseconds(Int64((value * 1_000).rounded()))
    }

    /// An inbox URL with its password masked, for messages and logs.
    public static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at,
            let colon = text[scheme.upperBound..<at].firstIndex(of: ":")
        else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }
}
