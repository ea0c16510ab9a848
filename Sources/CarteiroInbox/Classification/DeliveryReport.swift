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
    static func read(_ facts: MessageFacts) -> DeliveryReport? {
        // A notification whose machine-readable part names no usable recipient is read as text.
        if let status = facts.message.deliveryStatus, let report = fromDeliveryStatus(status, facts: facts) {
            return report
        }
        switch facts.sesNotification?.kind {
        case .bounce(let report), .delivery(let report): return report
        case .complaint: return nil
        case nil: break
        }
        // A report that attaches another report (a relay passing on the notice it got): the attached one says more.
        if let attached = facts.message.allParts.lazy.compactMap(\.message).first(where: { $0.deliveryStatus != nil }),
            let report = read(MessageFacts(attached))
        {
            return report
        }
        return TextBounce(facts)?.report
    }

    /// The part of a report's text about one recipient: from its first mention to the next
    /// mention of another recipient; all of it for a report about one recipient, or when the text
    /// does not name the recipient.
    static func block(about address: String, among recipients: [String], in text: LowercasedText) -> Range<Int> {
        let whole = 0..<text.bytes.count
        guard recipients.count > 1, let start = text.firstIndex(of: Needle(stringLiteral: address.lowercased())) else { return whole }
        let others = recipients.map { $0.lowercased() }.filter { $0 != address.lowercased() && !address.lowercased().contains($0) }
        let next = others.compactMap { text.firstIndex(of: Needle(stringLiteral: $0), in: (start + 1)..<text.bytes.count) }.min()
        return start..<(next ?? text.bytes.count)
    }

    private static func fromDeliveryStatus(_ status: DeliveryStatus, facts: MessageFacts) -> DeliveryReport? {
        // The human-readable part explains a failure when the machine-readable one has no
        // Diagnostic-Code, and its transcript shows when the refusal came after DATA.
        let explanation = facts.lowercasedReport
        let afterData = AddressFailure.refusedAfterData(explanation)
        var recipients: [BounceRecipient] = []
        var seen: Set<String> = []
        var allDelivered = true
        let named = status.recipients.compactMap(\.recipient)
        for entry in status.recipients {
            guard let address = entry.recipient.flatMap(MailText.address(in:)), seen.insert(address.lowercased()).inserted else { continue }
            let action = entry.action ?? ""
            let delivered = action == "delivered" || action == "relayed" || action == "expanded" || action == "deliverable"
            let delayed = action == "delayed"
            if !delivered { allDelivered = false }
            var diagnostic = LowercasedText(entry.diagnosticCode ?? "")
            var range = 0..<diagnostic.bytes.count
            if diagnostic.isEmpty {
                diagnostic = explanation
                range = Self.block(about: address, among: named, in: explanation)
            }
            // A generic X.0.0 in Status gives way to a specific code in the server's own reply.
            let specific = diagnostic.enhancedStatusCode(in: range).flatMap { $0.hasSuffix(".0.0") ? nil : $0 }
            let declared = entry.status.flatMap { $0 == "0.0.0" ? nil : $0 }
            let code = declared.map { $0.hasSuffix(".0.0") ? (specific ?? $0) : $0 } ?? specific ?? diagnostic.statusCode(in: range)
            let permanent =
                !delivered
                && AddressFailure.isAddressGone(
                    status: code, diagnostic: diagnostic, in: range, delayed: delayed, afterData: afterData)
            recipients.append(BounceRecipient(recipient: address, status: code, permanent: permanent))
        }
        guard !recipients.isEmpty else { return nil }
        return DeliveryReport(recipients: recipients, originalMessageID: facts.returned.messageID, isSuccessNotice: allDelivered)
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

    init(_ attachedHeaders: MIMEHeaders?) {
        messageID = nil
        recipients = []
        senders = []
        if let headers = attachedHeaders {
            messageID = headers.rawValue(for: "Message-ID").flatMap(MailText.messageID(in:))
            // Raw values: addresses are never encoded, only the names around them.
            for field in headers.fields {
                switch field.name.lowercased() {
                case "to", "cc": recipients += MailText.addresses(in: field.rawValue)
                case "from", "return-path": senders += MailText.addresses(in: field.rawValue)
                default: break
                }
            }
        }
    }

    /// Fills what the attached parts did not give from the header lines of an inline original.
    mutating func read(inline text: Substring) {
        guard messageID == nil || recipients.isEmpty || senders.isEmpty else { return }
        // The headers come first; a long original's body is never looked at.
        let head = Array(text.utf8.prefix(16_384))
        head.withUnsafeBufferPointer { bytes in
            var started = false
            var field: [UInt8] = []
            var lineStart = 0
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
                defer { lineStart = lineEnd + 1 }
                let line = lineStart..<lineEnd
                if bytes[line].allSatisfy(LowercasedText.isSpace) {
                    if started { return }
                    continue
                }
                var valueStart = lineStart
                if bytes[lineStart] == 0x20 || bytes[lineStart] == 0x09 {
                    guard started else { continue }
                } else if let colon = bytes[line].firstIndex(of: 0x3A), colon > lineStart, !bytes[lineStart..<colon].contains(0x20) {
                    started = true
                    field = bytes[lineStart..<colon].map(LowercasedText.lowercased)
                    valueStart = colon + 1
                } else {
                    if started { return }
                    continue
                }
                let value = bytes[valueStart..<lineEnd]
                switch field {
                case Self.messageIDField where messageID == nil: messageID = MailText.messageID(in: String(decoding: value, as: UTF8.self))
                case Self.toField, Self.ccField: recipients += MailText.addresses(in: String(decoding: value, as: UTF8.self))
                case Self.fromField, Self.returnPathField: senders += MailText.addresses(in: String(decoding: value, as: UTF8.self))
                default: break
                }
            }
        }
    }

    private static let messageIDField = Array("message-id".utf8)
    private static let toField = Array("to".utf8)
    private static let ccField = Array("cc".utf8)
    private static let fromField = Array("from".utf8)
    private static let returnPathField = Array("return-path".utf8)
}

/// A report's text cut where the returned original begins.
enum ReportText {
    /// Decorated lines ("--- Below this line is a copy of the message.", "------ This is a copy
    /// of the message, including all the headers. ------", "----- Original message -----") name the
    /// original with one of these words.
    private static let decoratedMarkers: NeedleSet = [
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
        "x-mailer:", "delivered-to:",
    ]

    /// The report (before the original) and the rest.
    static func split(_ text: String) -> (report: Substring, rest: Substring) {
        var text = text
        let cut = text.withUTF8 { firstOriginalLine(in: $0) }
        guard let cut else { return (text[...], text[text.endIndex...]) }
        // A line start follows a line feed, so it is a character boundary.
        let index = text.utf8.index(text.utf8.startIndex, offsetBy: cut)
        return (text[..<index], text[index...])
    }

    /// The offset of the first line that starts the original, or nil.
    private static func firstOriginalLine(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if startsOriginal(bytes, lineStart, lineEnd) { return lineStart }
            lineStart = lineEnd + 1
        }
        return nil
    }

    private static func startsOriginal(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var text = start
        while text < end, bytes[text] == 0x20 || bytes[text] == 0x09 || bytes[text] == 0x3E || bytes[text] == 0x7C { text += 1 }
        guard text < end else { return false }
        let first = bytes[text]
        if first == 0x2D || first == 0x3D || first == 0x5F || first == 0x2A {
            guard text + 1 < end, bytes[text + 1] == first else { return false }
            let lower = LowercasedText(bytes: UnsafeBufferPointer(rebasing: bytes[text..<min(end, text + 120)]))
            return lower.containsAny(decoratedMarkers) && !lower.contains("transcript")
        }
        if text == start, headerStarts.contains(where: { startsWithLowercased(bytes, text, end, $0.bytes) }) { return true }
        return plainMarkers.contains { startsWithLowercased(bytes, text, end, $0.bytes) }
    }

    /// Whether the bytes at `start` are `pattern` (lowercase ASCII), ignoring ASCII case.
    static func startsWithLowercased(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ pattern: [UInt8]) -> Bool {
        guard end - start >= pattern.count else { return false }
        for (offset, expected) in pattern.enumerated() where LowercasedText.lowercased(bytes[start + offset]) != expected { return false }
        return true
    }
}
