import CarteiroMIME

/// What the classifier reads from one message, each read at most once: the parser's getters
/// decode and allocate on every call, and the steps of classification ask for the same things.
final class MessageFacts {
    let message: ParsedMessage

    init(_ message: ParsedMessage) {
        self.message = message
    }

    lazy var from: [MailAddress] = message.from
    lazy var to: [MailAddress] = message.to
    lazy var replyTo: [MailAddress] = message.replyTo
    lazy var subject: String? = message.subject
    /// The text body; for a multipart whose inner boundary never shows up, the raw text of that part.
    lazy var textBody: String? =
        message.textBody ?? message.root.first { $0.isMultipart && $0.children.isEmpty && !$0.body.isEmpty }?.text
    lazy var attachedHeaders: MIMEHeaders? = message.attachedHeaders

    /// The body split where a returned original starts, for reading reports.
    lazy var reportSplit: (report: Substring, rest: Substring) = ReportText.split(textBody ?? "")
    /// The report's text, lowercased; its first 32 KiB, as no report needs more to name its
    /// recipients and reasons (an HTML notice turned into text can be long).
    lazy var lowercasedReport = LowercasedText(bytes: reportSplit.report.utf8.prefix(32_768))

    /// The returned original: its attached headers, completed from an inline copy.
    lazy var returned: ReturnedOriginal = {
        var returned = ReturnedOriginal(attachedHeaders)
        returned.read(inline: reportSplit.rest)
        return returned
    }()

    lazy var sesNotification: SESNotification? = SESNotification(body: textBody)

    /// `Return-Path: <>`: the null reverse path of bounces and auto-replies (RFC 5321, RFC 3834).
    lazy var hasNullReturnPath: Bool = message.headers.rawValue(for: "Return-Path").map { $0.filter { !$0.isWhitespace } == "<>" } ?? false
}
