public import CarteiroMIME

/// Gives every incoming message one kind, and what the inbox watcher needs to act on it.
///
/// Machine mail is recognised first and never confirms anything: complaints (RFC 5965), then
/// bounces (RFC 3464 and plain-text reports), then auto-replies (RFC 3834 and common signs). A
/// person's message is judged on the text they typed only, never on the quoted original:
/// unsubscribe, confirm or decline; a new message to the sign-up address is a sign-up; anything
/// else is `other`.
public enum MessageClassifier {
    public static func classify(_ message: ParsedMessage, context: ClassificationContext) -> Classification {
        let facts = MessageFacts(message)
        let sender = facts.from.first ?? facts.replyTo.first
        var result = Classification(
            kind: .other, email: sender?.address, referencedMessageIDs: referencedIDs(message), recipientTokens: recipientTokens(facts))

        if let complaint = Complaint.read(facts) {
            result.kind = .complaint
            result.email = nil
            result.bounces = complaint.recipients.map { BounceRecipient(recipient: $0, status: nil, permanent: false) }
            result.setOriginal(complaint.originalMessageID)
            return result
        }
        if let report = DeliveryReport.read(facts) {
            result.kind = report.isSuccessNotice ? .other : .bounce
            result.email = nil
            result.bounces = report.recipients
            result.setOriginal(report.originalMessageID)
            return result
        }
        if TextBounce.isFromMailSystem(facts) {
            // A mail system's message that could not be read as a report is still no person's answer.
            result.kind = .bounce
            result.email = nil
            return result
        }
        let body = facts.textBody ?? ""
        if AutoReplySigns.isAutomatic(facts) || AutoReplySigns.isChallenge(body) {
            result.kind = .autoReply
            if let sender { result.bounces = [BounceRecipient(recipient: sender.address, status: nil, permanent: false)] }
            return result
        }

        let replyText = ReplyExtractor.replyText(in: body)
        result.replyText = replyText
        // A `Nome:` line is the name the person gave; the display name is their mail program's.
        result.name = Self.nameLine(in: replyText) ?? sender?.displayName.flatMap(Self.personName)
        let intent = ReplyIntent.judge(replyText)
        let isNewMessage = message.inReplyTo == nil && message.references.isEmpty && !Self.hasReplySubject(facts.subject)
        if intent == .unsubscribe {
            result.kind = .unsubscribe
        } else if context.isSignupAddress, isNewMessage, result.recipientTokens.isEmpty {
            result.kind = .signup
        } else if intent == .confirm {
            result.kind = .confirm
        } else if intent == .decline {
            result.kind = .decline
        }
        return result
    }

    private static func referencedIDs(_ message: ParsedMessage) -> [String] {
        var ids: [String] = []
        for id in [message.inReplyTo].compactMap({ $0 }) + message.references where !ids.contains(id) { ids.append(id) }
        return ids
    }

    private static func recipientTokens(_ facts: MessageFacts) -> [String] {
        let headers = facts.message.headers
        // Addresses are parsed only when some recipient field holds a `+` at all.
        let names: Set<String> = ["to", "cc", "delivered-to", "x-original-to"]
        guard headers.fields.contains(where: { $0.name.utf8.count <= 13 && names.contains($0.name.lowercased()) && $0.rawValue.contains("+") }) else {
            return []
        }
        let addresses =
            (facts.to + facts.message.cc).map(\.address) + headers.values(for: "Delivered-To").compactMap(MailText.address(in:))
            + headers.values(for: "X-Original-To").compactMap(MailText.address(in:))
        var tokens: [String] = []
        for token in addresses.compactMap(MailText.plusToken(of:)) where !tokens.contains(token) { tokens.append(token) }
        return tokens
    }

    private static func hasReplySubject(_ subject: String?) -> Bool {
        guard let subject else { return false }
        let folded = TextFolding.fold(subject.prefix(8)).trimmingWhitespace()
        return folded.hasPrefix("re:") || folded.hasPrefix("res:") || folded.hasPrefix("re :") || folded.hasPrefix("aw:") || folded.hasPrefix("sv:")
    }

    /// A display name that names a person, not the address again.
    private static func personName(_ displayName: String) -> String? {
        let name = displayName.trimmingWhitespace()
        return name.isEmpty || name.contains("@") ? nil : name
    }

    /// The value of a `Nome:` / `Name:` / `Nome completo:` line in the typed text.
    static func nameLine(in text: String) -> String? {
        for line in ReplyExtractor.normalizedLines(text) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let label = TextFolding.fold(line[..<colon]).trimmingWhitespace()
            guard ["nome", "name", "nome completo", "full name", "seu nome", "your name"].contains(label) else { continue }
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            if !value.isEmpty { return value }
        }
        return nil
    }
}

extension Classification {
    fileprivate mutating func setOriginal(_ id: String?) {
        guard let id else { return }
        originalMessageID = id
        if !referencedMessageIDs.contains(id) { referencedMessageIDs.append(id) }
    }
}
