import CarteiroMIME

/// A bounce written for people, not machines: the failed recipients are the addresses its text
/// names (or Exim's `X-Failed-Recipients`), each judged on the text that follows it.
struct TextBounce {
    let report: DeliveryReport

    /// Local parts of mail systems themselves: never a failed recipient, and a sender that is surely a mail system.
    static let mailSystemLocalParts: Set<String> = [
        "mailer-daemon", "mailer_daemon", "mail-daemon", "postmaster", "post_master", "mail.delivery.system",
    ]
    /// Local parts reports are sent from, among others: a sign of a report, to be confirmed by its words.
    static let daemonLocalParts: Set<String> = [
        "mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon", "postmaster", "post_master", "poostmaster", "mail.delivery.system",
        "mdaemon", "mailadmin", "mail-delivery-system", "bounce", "bounces", "nobody", "daemon",
    ]
    static let daemonNames: NeedleSet = ["mailer-daemon", "mail delivery", "postmaster", "mail deliver", "mailer daemon", "ndr administrator"]
    /// Subjects of delivery failure and delay notices.
    static let subjectPhrases: NeedleSet = [
        "undeliver", "undelivered", "delivery status notification", "delivery failure", "delivery failed", "failure notice", "returned mail",
        "mail delivery", "could not be delivered", "delivery has failed", "failed delivery", "failure delivery", "delivery notification",
        "mail system error", "could not send", "delayed", "message delivery", "mail failure", "error sending", "non-delivery", "nondelivery",
        "not delivered", "delivery problem", "returned to sender", "delivery status", "unzustellbar", "nicht zustellbar", "non remis",
        "no entregado", "nao entregue", "mensagem nao entregue", "rejected", "failed mail", "mail could not", "warning:", "deliveryfailure",
    ]
    /// Sentences of delivery failure and delay notices.
    static let bodyPhrases: NeedleSet = [
        "could not be delivered", "couldn't be delivered", "unable to deliver", "wasn't able to deliver", "was not able to deliver",
        "delivery to the following recipient", "permanent error", "following address", "undeliverable", "user unknown", "does not exist",
        "delivery has failed", "was not delivered", "wasn't delivered", "failed permanently", "not be delivered", "could not deliver",
        "delivery failed", "error delivering", "delivery to the following", "not delivered", "message could not", "has not been delivered",
        "recipient address rejected", "mail delivery failed", "returned to sender", "delivery attempts", "will be retried", "still trying",
        "has been delayed", "message delayed", "delivery is delayed", "rejected", "no such user", "could not be sent", "did not reach",
        "fatal error", "failed to deliver", "delivery failure", "giving up", "transcript of session", "mailbox is full", "mailbox full",
        "failed addresses", "no valid recipients", "returning to sender",
    ]
    /// Sentences that make a message with a returned original attached a bounce, whoever sent it.
    static let strongBodyPhrases: NeedleSet = [
        "could not be delivered to", "delivery to the following recipient", "following address(es) failed", "unable to deliver your message",
        "was not delivered to", "wasn't delivered to", "could not deliver your message", "delivery has failed to these recipients",
    ]
    static let delayPhrases: NeedleSet = [
        "delayed", "will be retried", "still trying", "will continue trying", "will keep trying", "not yet been delivered", "temporary failure",
        "warning: could not send", "has not yet been", "delivery is delayed", "delay)", "could not send mail for past",
    ]

    /// Words of a line that points to help rather than naming a failed recipient.
    static let helpWords: NeedleSet = ["contact", "assistance", "support", "administrator", "helpdesk", "help desk", "abuse", "questions"]

    /// Senders that are mail systems for certain: `MAILER-DAEMON`, `postmaster`, "Mail Delivery System".
    static func isFromMailSystem(_ facts: MessageFacts) -> Bool {
        if let raw = facts.message.headers.rawValue(for: "From"), LowercasedText(raw).contains("mailer-daemon") { return true }
        return facts.from.contains {
            mailSystemLocalParts.contains($0.localPart.lowercased())
                || LowercasedText($0.displayName ?? "").containsAny(["mail delivery", "mailer-daemon"])
        }
    }

    /// The bounds of the line holding `offset`, its leading spaces left out.
    static func line(of text: LowercasedText, around offset: Int) -> Range<Int> {
        let bytes = text.bytes
        var start = offset
        while start > 0, bytes[start - 1] != 0x0A { start -= 1 }
        while start < offset, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        var end = offset
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        return start..<end
    }

    /// A report restating the original's headers ("Your message  To: …  Subject: …") names the
    /// sender and the original's recipients there, not necessarily the failed ones.
    private static let restatedLabels: [[UInt8]] = ["to:", "from:", "cc:", "sender:", "reply-to:", "subject:"].map { Array($0.utf8) }

    /// Message IDs and VERP return addresses look like addresses: `0123456789abcdef0123@host`,
    /// `bounce-id=user.example@return.host`.
    static func isGeneratedLocalPart(_ local: Substring) -> Bool {
        if local.count >= 15,
            local.utf8.allSatisfy({ LowercasedText.isDigit($0) || ($0 >= 0x61 && $0 <= 0x66) || $0 == 0x2E || $0 == 0x2D || $0 == 0x24 })
        {
            return true
        }
        if let equals = local.firstIndex(of: "="), local[equals...].contains("."), !local.hasPrefix("=?") { return true }
        return false
    }

    /// `Final-Recipient:` lines of a delivery status pasted into the text.
    static func embeddedFinalRecipients(in report: LowercasedText) -> [String] {
        var found: [String] = []
        var from = 0
        while let index = report.firstIndex(of: "final-recipient:", in: from..<report.bytes.count) {
            let line = line(of: report, around: index)
            if line.lowerBound == index, let address = MailText.addressSpans(in: report.bytes, range: line).first?.address, !found.contains(address) {
                found.append(address)
            }
            from = line.upperBound
        }
        return found
    }

    init?(_ facts: MessageFacts) {
        let headers = facts.message.headers
        let failedHeader = headers.values(for: "X-Failed-Recipients").flatMap(MailText.addresses(in:))
        let from = facts.from
        let fromDaemon: Bool
        if facts.hasNullReturnPath {
            fromDaemon = true
        } else if from.isEmpty {
            fromDaemon = headers.rawValue(for: "From").map { LowercasedText($0).containsAny(Self.daemonNames) || $0.contains("<>") } ?? false
        } else {
            fromDaemon = from.contains {
                Self.daemonLocalParts.contains($0.localPart.lowercased()) || LowercasedText($0.displayName ?? "").containsAny(Self.daemonNames)
            }
        }
        let subject = LowercasedText(facts.subject ?? "")
        let subjectSays = subject.containsAny(Self.subjectPhrases)
        let carriesOriginal = facts.attachedHeaders != nil
        guard !failedHeader.isEmpty || fromDaemon || subjectSays || carriesOriginal else { return nil }

        guard facts.textBody != nil else { return nil }
        let report = facts.lowercasedReport
        let bodySays = report.containsAny(Self.bodyPhrases)
        guard
            !failedHeader.isEmpty || (fromDaemon && (subjectSays || bodySays)) || (subjectSays && bodySays)
                || (carriesOriginal && report.containsAny(Self.strongBodyPhrases))
        else { return nil }

        let returned = facts.returned
        let delayed = subject.containsAny(Self.delayPhrases) || (report.containsAny(Self.delayPhrases) && !report.contains("permanent"))

        // Addresses the report names that are not the failed recipients: the sender's own, the
        // report's, the daemons', and help desks ("please contact <support@…>"). The sender's own
        // count when the report names nothing else (a sender who wrote to themselves).
        var excluded = Set(returned.senders)
        for address in facts.to + from + facts.replyTo { excluded.insert(address.address.lowercased()) }
        let original = Set(returned.recipients)
        var firstOffsets: [(address: String, offset: Int)] = []
        var setAside: [(address: String, offset: Int)] = []
        var seen: Set<String> = []
        var mentions: [(address: String, offset: Int)] = []
        for span in MailText.addressSpans(in: report.bytes) {
            let lower = span.address.lowercased()
            mentions.append((lower, span.offset))
            guard seen.insert(lower).inserted, let at = lower.firstIndex(of: "@") else { continue }
            let local = lower[..<at]
            if Self.mailSystemLocalParts.contains(String(local)) || Self.isGeneratedLocalPart(local) { continue }
            let line = Self.line(of: report, around: span.offset)
            let restated = Self.restatedLabels.contains { report.bytes[line].starts(with: $0) }
            if excluded.contains(lower) || restated {
                setAside.append((lower, span.offset))
            } else if original.contains(lower) || !report.containsAny(Self.helpWords, in: line.lowerBound..<span.offset) {
                firstOffsets.append((lower, span.offset))
            }
        }
        let embeddedFinalRecipients = Self.embeddedFinalRecipients(in: report)
        var named: [String]
        if !failedHeader.isEmpty {
            named = failedHeader
        } else if !embeddedFinalRecipients.isEmpty {
            named = embeddedFinalRecipients
        } else if !firstOffsets.isEmpty {
            named = firstOffsets.map(\.address)
        } else if !setAside.isEmpty {
            firstOffsets = setAside
            named = setAside.map(\.address)
        } else {
            named = Array(returned.recipients.prefix(1))
        }
        var recipients: [BounceRecipient] = []
        var unique: Set<String> = []
        for address in named where unique.insert(address).inserted {
            // The text about a recipient runs from its first mention to the next mention of another one.
            let start = firstOffsets.first { $0.address == address }?.offset
            var range = 0..<report.bytes.count
            if let start, named.count > 1 {
                let next = mentions.filter { $0.offset > start && $0.address != address && named.contains($0.address) }.map(\.offset).min()
                range = start..<(next ?? report.bytes.count)
            }
            var status = report.statusCode(in: range)
            if status == nil, range != 0..<report.bytes.count { status = report.statusCode(in: 0..<report.bytes.count) }
            let permanent = AddressFailure.isAddressGone(status: status, diagnostic: report, in: range, delayed: delayed)
            recipients.append(BounceRecipient(recipient: address, status: status, permanent: permanent))
        }
        guard !recipients.isEmpty else { return nil }
        self.report = DeliveryReport(recipients: recipients, originalMessageID: returned.messageID, isSuccessNotice: false)
    }
}
