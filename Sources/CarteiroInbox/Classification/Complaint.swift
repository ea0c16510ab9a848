import CarteiroMIME

/// An abuse complaint: an RFC 5965 feedback report, or the older forms that attach the
/// complained-about message to a note ("complaint about message from …").
struct Complaint {
    /// The recipients who complained, lowercased, each once.
    var recipients: [String]
    var originalMessageID: String?

    static let subjectPhrases: [Needle] = ["complaint about message", "abuse report", "spam report", "feedback report", "fbl report"]

    static func read(_ message: ParsedMessage) -> Complaint? {
        let returned = ReturnedOriginal(message)
        var recipients: [String]
        if let report = message.feedbackReport {
            recipients = report.originalRecipients.flatMap(MailText.addresses(in:))
        } else if LowercasedText(message.subject ?? "").containsAny(subjectPhrases), message.attachedHeaders != nil {
            recipients = []
        } else {
            return nil
        }
        if recipients.isEmpty { recipients = returned.recipients }
        var unique: [String] = []
        for address in recipients where !unique.contains(address) { unique.append(address) }
        return Complaint(recipients: unique, originalMessageID: returned.messageID)
    }
}
