import CarteiroMIME

/// An abuse complaint: an RFC 5965 feedback report, or the older forms that attach the
/// complained-about message to a note ("complaint about message from …").
struct Complaint {
    /// The recipients who complained, lowercased, each once.
    var recipients: [String]
    var originalMessageID: String?

    static let subjectPhrases: NeedleSet = ["complaint about message", "abuse report", "spam report", "feedback report", "fbl report"]

    static func read(_ facts: MessageFacts) -> Complaint? {
        var recipients: [String]
        if let report = facts.message.feedbackReport {
            recipients = report.originalRecipients.flatMap(MailText.addresses(in:))
        } else if case .complaint(let complained) = facts.sesNotification?.kind {
            recipients = complained
        } else if LowercasedText(facts.subject ?? "").containsAny(subjectPhrases), facts.attachedHeaders != nil {
            recipients = []
        } else {
            return nil
        }
        let returned = ReturnedOriginal(facts.attachedHeaders)
        if recipients.isEmpty { recipients = returned.recipients }
        var unique: [String] = []
        for address in recipients where !unique.contains(address) { unique.append(address) }
        return Complaint(recipients: unique, originalMessageID: returned.messageID)
    }
}
