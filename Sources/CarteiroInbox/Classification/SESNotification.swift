/// An Amazon SES notification delivered by mail (raw, or inside an SNS envelope's "Message"):
/// JSON naming bounced, complained or delivered recipients. Read by key, not parsed whole:
/// such mail is often cut or wrapped on the way (the corpus has truncated ones).
struct SESNotification {
    enum Kind {
        case bounce(DeliveryReport)
        case complaint(recipients: [String])
        case delivery(DeliveryReport)
    }

    let kind: Kind

    /// Reads a body that is such a notification; nil for any other body.
    init?(body: String?) {
        guard let body, body.utf8.first(where: { !LowercasedText.isSpace($0) }) == UInt8(ascii: "{") else { return nil }
        // The SNS envelope carries the notification as an escaped string: unescape quotes once.
        let text = String(decoding: Self.unescapingQuotes(Array(body.utf8)), as: UTF8.self)
        guard let type = Self.values(of: "notificationType", in: text).first else { return nil }
        let messageID = Self.originalMessageID(in: text)
        switch type {
        case "Bounce":
            let transient = Self.values(of: "bounceType", in: text).first == "Transient"
            let addresses = Self.values(of: "emailAddress", in: text)
            let statuses = Self.values(of: "status", in: text)
            let diagnostics = Self.values(of: "diagnosticCode", in: text)
            let recipients = addresses.enumerated().map { index, address in
                let diagnostic = LowercasedText(index < diagnostics.count ? diagnostics[index] : "")
                let status = index < statuses.count ? statuses[index] : diagnostic.statusCode(in: 0..<diagnostic.bytes.count)
                let permanent = AddressFailure.isAddressGone(status: status, diagnostic: diagnostic, delayed: transient)
                return BounceRecipient(recipient: address, status: status, permanent: permanent)
            }
            guard !recipients.isEmpty else { return nil }
            kind = .bounce(DeliveryReport(recipients: recipients, originalMessageID: messageID, isSuccessNotice: false))
        case "Complaint":
            kind = .complaint(recipients: Self.values(of: "emailAddress", in: text).map { $0.lowercased() })
        case "Delivery":
            let recipients = Self.strings(inArray: "recipients", in: text).map { BounceRecipient(recipient: $0, status: "2.0.0", permanent: false) }
            guard !recipients.isEmpty else { return nil }
            kind = .delivery(DeliveryReport(recipients: recipients, originalMessageID: messageID, isSuccessNotice: true))
        default:
            return nil
        }
    }

    /// The Message-ID header of the original, from the notification's copy of its headers
    /// (`{"name": "Message-ID", "value": "<…>"}`); SES's own message id finds no job.
    private static func originalMessageID(in text: String) -> String? {
        let names = values(of: "name", in: text)
        let headerValues = values(of: "value", in: text)
        guard names.count == headerValues.count, let index = names.firstIndex(where: { $0.lowercased() == "message-id" }) else { return nil }
        return MailText.messageID(in: headerValues[index])
    }

    private static func unescapingQuotes(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x5C, index + 1 < bytes.count, bytes[index + 1] == 0x22 {
                index += 1
                continue
            }
            output.append(bytes[index])
            index += 1
        }
        return output
    }

    /// The string values of every `"key": "value"` in `text`, in order.
    private static func values(of key: String, in text: String) -> [String] {
        let bytes = Array(text.utf8)
        let quotedKey = Array("\"\(key)\"".utf8)
        var found: [String] = []
        var index = 0
        while index + quotedKey.count <= bytes.count {
            guard bytes[index] == quotedKey[0], bytes[index..<(index + quotedKey.count)].elementsEqual(quotedKey) else {
                index += 1
                continue
            }
            var probe = index + quotedKey.count
            while probe < bytes.count, LowercasedText.isSpace(bytes[probe]) { probe += 1 }
            index = probe
            guard probe < bytes.count, bytes[probe] == UInt8(ascii: ":") else { continue }
            probe += 1
            while probe < bytes.count, LowercasedText.isSpace(bytes[probe]) { probe += 1 }
            guard probe < bytes.count, bytes[probe] == UInt8(ascii: "\"") else { continue }
            let start = probe + 1
            guard let close = bytes[start...].firstIndex(of: UInt8(ascii: "\"")) else { break }
            found.append(String(decoding: bytes[start..<close], as: UTF8.self))
            index = close + 1
        }
        return found
    }

    /// The strings of the array `"key": ["a", "b"]`.
    private static func strings(inArray key: String, in text: String) -> [String] {
        guard let range = text.firstRange(of: "\"\(key)\""), let open = text[range.upperBound...].firstIndex(of: "["),
            let close = text[open...].firstIndex(of: "]")
        else { return [] }
        return text[text.index(after: open)..<close].split(separator: ",").map { $0.trimmingWhitespace().trimmingQuotes() }.filter { !$0.isEmpty }
    }
}

extension String {
    fileprivate func trimmingQuotes() -> String {
        var text = Substring(self)
        if text.hasPrefix("\"") { text = text.dropFirst() }
        if text.hasSuffix("\"") { text = text.dropLast() }
        return String(text)
    }
}
