public import CarteiroDomain
public import CarteiroMIME
import Foundation

/// Turns one email job into the exact bytes to send: rendered template, headers, MIME, DKIM.
public struct MailComposer: Sendable {
    public struct Configuration: Sendable {
        public var from: MailAddress
        public var replyTo: MailAddress?
        /// Right-hand side of Message-IDs (`<jobid@domain>`); defaults to the sender's domain.
        public var messageIDDomain: String
        /// Bulk mail carries List-Unsubscribe, List-Unsubscribe-Post and List-Id when set.
        public var unsubscribe: UnsubscribeLinks?
        /// An answer in an email conversation: In-Reply-To and References, and no Auto-Submitted
        /// (a person wrote it, so the customer's auto-responder may answer it: RFC 3834).
        public var threading: Send.Threading?
        /// Bulk mail's HTML gets its links rewritten and an open pixel when set.
        public var tracking: TrackingLinks?

        public init(
            from: MailAddress, replyTo: MailAddress? = nil, messageIDDomain: String? = nil, unsubscribe: UnsubscribeLinks? = nil,
            threading: Send.Threading? = nil, tracking: TrackingLinks? = nil
        ) {
            self.from = from
            self.replyTo = replyTo
            self.messageIDDomain = messageIDDomain ?? String(from.domain)
            self.unsubscribe = unsubscribe
            self.threading = threading
            self.tracking = tracking
        }
    }

    public let configuration: Configuration
    private let signer: (any MessageSigner)?
    private let clock: any WallClock

    public init(configuration: Configuration, signer: (any MessageSigner)? = nil, clock: any WallClock = SystemWallClock()) {
        self.configuration = configuration
        self.signer = signer
        self.clock = clock
    }

    /// The message for `job`, or a `CompositionError` naming what is wrong (an address, or a
    /// header value with a line break from template output). Nothing is sent for a failed job.
    public func compose(_ job: EmailJob, template: MailTemplate, contact: Contact? = nil) throws(CompositionError) -> ComposedMessage {
        let unsubscribeURL = job.stream == .bulk ? configuration.unsubscribe?.url(for: job.id.rawValue) : nil
        var values = contact.map { TemplateValues(contact: $0, unsubscribeURL: unsubscribeURL) }
            ?? TemplateValues(email: job.recipient.value, name: job.recipientName, unsubscribeURL: unsubscribeURL)
        values.attributes.merge(job.variables) { _, fromJob in fromJob }
        if values.name == nil { values.name = job.recipientName }
        var rendered = template.render(values)
        if job.stream == .bulk, let tracking = configuration.tracking, let html = rendered.html {
            rendered.html = tracking.track(html, jobID: job.id.rawValue, composedAt: clock.now(), keeping: Set(unsubscribeURL.map { [$0] } ?? []))
        }

        var headers: [(name: String, value: String)] = []
        switch job.stream {
        case .transactional:
            if configuration.threading == nil { headers.append(("Auto-Submitted", "auto-generated")) }
        case .bulk:
            if let unsubscribe = configuration.unsubscribe, let unsubscribeURL {
                headers.append(("List-Unsubscribe", "<\(unsubscribeURL)>, <mailto:\(unsubscribe.mailbox)?subject=unsubscribe%20\(job.id.rawValue)>"))
                headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
                headers.append(("List-Id", unsubscribe.listID))
            }
            headers.append(("Precedence", "bulk"))
        }
        let recipient: MailAddress
        do {
            recipient = try MailAddress(job.recipient.value, displayName: values.name)
        } catch {
            throw CompositionError(jobID: job.id, field: "To", message: error.message)
        }
        do {
            let message = OutgoingMessage(
                from: configuration.from, to: [recipient], replyTo: configuration.replyTo, subject: rendered.subject, date: clock.now(),
                messageID: Self.messageID(for: job.id, domain: configuration.messageIDDomain), inReplyTo: configuration.threading?.inReplyTo,
                references: configuration.threading?.references ?? [], textBody: rendered.text, htmlBody: rendered.html,
                headers: headers)
            var bytes = try message.render()
            if let signer { bytes = try signer.sign(bytes) }
            return ComposedMessage(jobID: job.id, stream: job.stream, mailFrom: configuration.from.address, recipients: [recipient.address], bytes: bytes)
        } catch let error as MIMEError {
            throw CompositionError(jobID: job.id, field: error.field, message: error.message)
        } catch {
            throw CompositionError(jobID: job.id, field: "DKIM-Signature", message: "\(error)")
        }
    }

    /// What `compose` would refuse in a recipient's headers (the To display name, the subject
    /// rendered with the recipient's values), found without building the message, so that a
    /// send can check every recipient before anything is stored.
    public static func checkHeaders(recipient: EmailAddress, name: String?, variables: [String: String], template: MailTemplate)
        throws(MIMEError)
    {
        var values = TemplateValues(email: recipient.value, name: name)
        values.attributes = variables
        _ = try MailAddress(recipient.value, displayName: name)
        try MIMEError.checkNoLineBreaks(template.renderSubject(values), field: "Subject")
    }

    /// `jobid@domain`, stable for the job: a resent job carries the same Message-ID, so a
    /// receiver (and our own sink counts) can recognise a duplicate.
    public static func messageID(for jobID: EmailJobID, domain: String) -> String { "\(jobID.rawValue)@\(domain)" }
}

/// Signs rendered messages (DKIM).
public protocol MessageSigner: Sendable {
    func sign(_ message: [UInt8]) throws -> [UInt8]
}

public struct ComposedMessage: Sendable {
    public let jobID: EmailJobID
    /// Transactional messages go ahead of bulk ones waiting at the transport.
    public let stream: MailStream
    public let mailFrom: String
    public let recipients: [String]
    public let bytes: [UInt8]
}

/// A job whose message cannot be built; it fails permanently without being sent.
public struct CompositionError: Error, Hashable, Sendable, CustomStringConvertible {
    public let jobID: EmailJobID
    public let field: String
    public let message: String

    public var description: String { "\(field): \(message)" }
}
