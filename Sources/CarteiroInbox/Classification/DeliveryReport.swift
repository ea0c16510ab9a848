import CarteiroMIME

/// A delivery report read from a message: an RFC 3464 notification, or the plain-text forms
/// mail servers still send (qmail, Exim, Postfix, Sendmail, Gmail, Yahoo, Microsoft, …).
struct DeliveryReport {
    /// The recipients the report is about, each once (compared without case).
    var recipients: [BounceRecipient]
    /// The Message-ID of the returned original, without brackets, when the report carries its headers.
    var originalMessageID: String?
    /// Every recipient was delivered, relayed or expanded: a success notice, not a bounce.
    var isSuccessNotice: Bool
}

extension DeliveryReport {
    /// Reads `message` as a delivery report, or returns nil when it is not one.
    static func read(_ message: ParsedMessage) -> DeliveryReport? {
        let returned = ReturnedOriginal(message)
        // A notification whose machine-readable part names no usable recipient is read as text.
        if let status = message.deliveryStatus, let report = fromDeliveryStatus(status, message: message, returned: returned) {
            return report
        }
        return TextBounce(message, returned: returned)?.report
    }

    private static func fromDeliveryStatus(_ status: DeliveryStatus, message: ParsedMessage, returned: ReturnedOriginal) -> DeliveryReport? {
        // The human-readable part explains a failure when the machine-readable one has no
        // Diagnostic-Code, and its transcript shows when the refusal came after DATA.
        let explanation = LowercasedText(message.textBody.map { ReportText.split($0).report } ?? "")
        let afterData = AddressFailure.refusedAfterData(explanation)
        var recipients: [BounceRecipient] = []
        var seen: Set<String> = []
        var allDelivered = true
        for entry in status.recipients {
            guard let address = entry.recipient.flatMap(MailText.address(in:)), seen.insert(address.lowercased()).inserted else { continue }
            let action = entry.action ?? ""
            let delivered = action == "delivered" || action == "relayed" || action == "expanded" || action == "deliverable"
            let delayed = action == "delayed"
            if !delivered { allDelivered = false }
            var diagnostic = LowercasedText(entry.diagnosticCode ?? "")
            if diagnostic.isEmpty { diagnostic = explanation }
            let code = entry.status.flatMap { $0 == "0.0.0" ? nil : $0 } ?? diagnostic.statusCode(in: 0..<diagnostic.bytes.count)
            let permanent = !delivered && AddressFailure.isAddressGone(status: code, diagnostic: diagnostic, delayed: delayed, afterData: afterData)
            recipients.append(BounceRecipient(recipient: address, status: code, permanent: permanent))
        }
        guard !recipients.isEmpty else { return nil }
        return DeliveryReport(recipients: recipients, originalMessageID: returned.messageID, isSuccessNotice: allDelivered)
    }
}

/// The returned original a report carries: as a text/rfc822-headers or message/rfc822 part, or
/// inline below the report's text ("--- Below this line is a copy of the message.").
struct ReturnedOriginal {
    var messageID: String?
    /// To and Cc of the original, lowercased.
    var recipients: [String]
    /// From of the original, lowercased: the sender, never a failed recipient.
    var senders: [String]

    init(_ message: ParsedMessage) {
        messageID = nil
        recipients = []
        senders = []
        if let headers = message.attachedHeaders {
            messageID = headers.rawValue(for: "Message-ID").flatMap(MailText.messageID(in:))
            recipients = (headers.values(for: "To") + headers.values(for: "Cc")).flatMap(MailText.addresses(in:))
            senders = (headers.values(for: "From") + headers.values(for: "Return-Path")).flatMap(MailText.addresses(in:))
        }
    }

    /// Fills what the attached parts did not give from the header lines of an inline original.
    mutating func read(inline text: Substring) {
        guard messageID == nil || recipients.isEmpty || senders.isEmpty else { return }
        var started = false
        var field = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(300) {
            if line.allSatisfy(\.isWhitespace) {
                if started { break }
                continue
            }
            let value: Substring
            if line.first == " " || line.first == "\t" {
                guard started else { continue }
                value = line
            } else if let colon = line.firstIndex(of: ":"), !line[..<colon].contains(" "), colon > line.startIndex {
                started = true
                field = line[..<colon].lowercased()
                value = line[line.index(after: colon)...]
            } else {
                if started { break }
                continue
            }
            switch field {
            case "message-id" where messageID == nil: messageID = MailText.messageID(in: value)
            case "to", "cc": recipients += MailText.addresses(in: value)
            case "from", "return-path": senders += MailText.addresses(in: value)
            default: break
            }
        }
    }
}

/// A report's text cut where the returned original begins.
enum ReportText {
    /// Decorated lines ("--- Below this line is a copy of the message.", "------ This is a copy
    /// of the message, including all the headers. ------", "----- Original message -----") name the
    /// original with one of these words.
    private static let decoratedMarkers: [Needle] = [
        "original", "copy of", "returned", "header", "unsent", "message follows", "message text", "rfc822", "undelivered message",
    ]
    /// Undecorated lines that start the original.
    private static let plainMarkers: [Needle] = [
        "below this line is a copy of the message", "original message follows", "message headers follow", "unsent message below",
        "returned message below", "headers of the original message", "original message headers", "the original message headers",
        "original message header", "your message reads", "the text of your message", "content-type: message/rfc822",
        "original message:",
    ]
    /// Header lines that can only belong to the original.
    private static let headerStarts: [Needle] = [
        "received: ", "return-path:", "dkim-signature:", "x-received:", "message-id:", "authentication-results:", "arc-seal:",
        "mime-version:", "x-mailer:", "content-type: ", "delivered-to:",
    ]

    /// The report (before the original) and the rest.
    static func split(_ text: String) -> (report: Substring, rest: Substring) {
        var lineStart = text.startIndex
        let utf8 = text.utf8
        while lineStart < text.endIndex {
            let lineEnd = utf8[lineStart...].firstIndex(of: 0x0A) ?? text.endIndex
            let line = text[lineStart..<lineEnd]
            if startsOriginal(line) { return (text[..<lineStart], text[lineStart...]) }
            lineStart = lineEnd == text.endIndex ? lineEnd : utf8.index(after: lineEnd)
        }
        return (text[...], text[text.endIndex...])
    }

    private static func startsOriginal(_ line: Substring) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == ">" || $0 == "|" }
        guard let first = trimmed.utf8.first else { return false }
        let lower = LowercasedText(bytes: trimmed.utf8.prefix(120))
        if first == UInt8(ascii: "-") || first == UInt8(ascii: "=") || first == UInt8(ascii: "_") || first == UInt8(ascii: "*") {
            let decorated = trimmed.utf8.prefix(2).allSatisfy { $0 == first }
            return decorated && lower.containsAny(decoratedMarkers) && !lower.contains("transcript")
        }
        if line.utf8.first != UInt8(ascii: " "), line.utf8.first != UInt8(ascii: "\t"), headerStarts.contains(where: { lower.bytes.starts(with: $0.bytes) }) {
            return true
        }
        return plainMarkers.contains { lower.bytes.starts(with: $0.bytes) }
    }
}
