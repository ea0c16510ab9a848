import CCurl

/// The configuration turned into what curl takes, once per client: the URL split into the part
/// every request shares (`imap://user:pass@host:port`) and the default mailbox.
struct IMAPSettings: Sendable {
    /// Scheme, credentials, host and port, without a path.
    var base: String
    var defaultMailbox: String
    var useSSL: Int
    var allowInsecureTLS: Bool
    var connectTimeoutMilliseconds: Int
    var operationTimeoutMilliseconds: Int

    init(_ configuration: IMAPConfiguration) throws(IMAPError) {
        let url = configuration.url
        guard let schemeEnd = url.firstRange(of: "://") else {
            throw IMAPError(.local, "not an imap:// or imaps:// URL: \(Self.redacted(url))")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "imap" || scheme == "imaps" else {
            throw IMAPError(.local, "not an imap:// or imaps:// URL: \(Self.redacted(url))")
        }
        let afterScheme = url[schemeEnd.upperBound...]
        let slash = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        guard slash > afterScheme.startIndex else { throw IMAPError(.local, "the URL names no host: \(Self.redacted(url))") }
        base = scheme + "://" + afterScheme[..<slash]
        var path = afterScheme[slash...].dropFirst()
        if let parameters = path.firstIndex(of: ";") { path = path[..<parameters] }
        while path.last == "/" { path = path.dropLast() }
        defaultMailbox = path.isEmpty ? "INBOX" : try Self.percentDecoded(path, url: url)
        switch configuration.startTLS {
        case .none: useSSL = Int(CURLUSESSL_NONE.rawValue)
        case .opportunistic: useSSL = Int(CURLUSESSL_TRY.rawValue)
        case .required: useSSL = Int(CURLUSESSL_ALL.rawValue)
        }
        allowInsecureTLS = configuration.allowInsecureTLS
        connectTimeoutMilliseconds = Self.milliseconds(configuration.connectTimeout)
        operationTimeoutMilliseconds = Self.milliseconds(configuration.operationTimeout)
    }

    /// The URL of a request: no mailbox (curl selects nothing), a mailbox (curl selects it first
    /// unless it believes it is selected), or one message of it (`;UID=`, curl's FETCH BODY[]).
    /// With `;UIDVALIDITY=`, a SELECT curl sends itself (on a new connection) must show that value,
    /// else curl fails the request before sending its command ("Mailbox UIDVALIDITY has changed").
    func url(mailbox: String?, uidValidity: UInt32? = nil, uid: UInt32? = nil) -> String {
        guard let mailbox else { return base + "/" }
        var url = base + "/" + Self.percentEncoded(mailbox)
        if let uidValidity { url += ";UIDVALIDITY=\(uidValidity)" }
        if let uid { url += ";UID=\(uid)" }
        return url
    }

    /// The mailbox name as a quoted IMAP string, for commands written out in CURLOPT_CUSTOMREQUEST.
    static func quoted(_ mailbox: String) throws(IMAPError) -> String {
        // Non-ASCII names need modified UTF-7 (RFC 3501 5.1.3), which this client does not do.
        guard !mailbox.isEmpty, mailbox.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw IMAPError(.local, "mailbox names must be non-empty printable ASCII", mailbox: mailbox)
        }
        var quoted = "\""
        for character in mailbox {
            if character == "\\" || character == "\"" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }

    private static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E:
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }

    private static func percentDecoded(_ text: Substring, url: String) throws(IMAPError) -> String {
        var bytes: [UInt8] = []
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            guard byte == 0x25 else {
                bytes.append(byte)
                continue
            }
            guard let high = utf8.next().flatMap(hexValue), let low = utf8.next().flatMap(hexValue) else {
                throw IMAPError(.local, "bad percent-encoding in the URL's mailbox: \(redacted(url))")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// The URL without its password, for error messages.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        let userinfo = rest[..<at]
        let user = userinfo.split(separator: ":", maxSplits: 1).first ?? ""
        return url[..<schemeEnd.upperBound] + user + ":***" + rest[at...]
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
