public import Foundation

/// A received message: its header section and its MIME tree, read leniently (real mail is messy).
public struct ParsedMessage: Sendable {
    /// The top-level entity; its headers are the message's headers.
    public let root: MIMEPart

    init(root: MIMEPart) { self.root = root }

    /// Parses RFC 5322/MIME bytes (CRLF or bare LF). Never fails: missing or broken boundaries,
    /// unknown charsets and bad encodings yield what can be read; nesting deeper than 50 levels is
    /// kept as opaque leaves.
    public static func parse(_ bytes: [UInt8]) -> ParsedMessage {
        ParsedMessage(root: MIMEParser.parse(bytes))
    }

    public var headers: MIMEHeaders { root.headers }

    public var subject: String? { headers.value(for: "Subject") }
    public var from: [MailAddress] { addresses("From") }
    public var to: [MailAddress] { addresses("To") }
    public var cc: [MailAddress] { addresses("Cc") }
    public var replyTo: [MailAddress] { addresses("Reply-To") }

    private func addresses(_ name: String) -> [MailAddress] {
        headers.fields.filter { $0.key == name.asciiLowercased() }.flatMap { MailAddress.list(parsing: $0.rawValue) }
    }

    /// Message-ID without angle brackets.
    public var messageID: String? { headers.rawValue(for: "Message-ID").flatMap { Self.messageIDs(in: $0).first } }
    /// The first message ID in In-Reply-To, without angle brackets.
    public var inReplyTo: String? { headers.rawValue(for: "In-Reply-To").flatMap { Self.messageIDs(in: $0).first } }
    /// The message IDs in References, in order, without angle brackets.
    public var references: [String] { headers.rawValue(for: "References").map(Self.messageIDs(in:)) ?? [] }
    /// The Date header, parsed leniently; nil when absent or unreadable.
    public var date: Date? { headers.rawValue(for: "Date").flatMap(RFC5322Date.parse) }

    /// The first text/plain part that is not an attachment; else the readable text of the first
    /// text/html one. Embedded messages are not searched.
    public var textBody: String? {
        if let plain = root.first(where: { $0.contentType == "text/plain" && $0.children.isEmpty && !$0.isAttachment }) {
            return plain.text
        }
        if let html = htmlBody { return HTMLText.readableText(fromHTML: html) }
        // A multipart whose boundary never shows up: its body is all there is to read.
        if root.isMultipart, root.children.isEmpty { return root.text }
        return nil
    }

    /// The first text/html part that is not an attachment.
    public var htmlBody: String? {
        root.first { $0.contentType == "text/html" && $0.children.isEmpty && !$0.isAttachment }?.text
    }

    /// Every part of the tree, depth first (embedded messages not entered).
    public var allParts: [MIMEPart] { root.allParts }

    /// For a delivery status notification (RFC 3464): the message/delivery-status part, read.
    public var deliveryStatus: DeliveryStatus? {
        root.first { $0.contentType == "message/delivery-status" || $0.contentType == "message/global-delivery-status" }
            .map { DeliveryStatus(parsing: $0.body) }
    }

    /// The returned message's headers in a report: the first text/rfc822-headers part, or the
    /// headers of the first message/rfc822 part below the top level.
    public var attachedHeaders: MIMEHeaders? {
        let part =
            root.children.isEmpty
            ? nil
            : root.first {
                $0.contentType == "text/rfc822-headers" || $0.contentType == "text/rfc822-header"
                    || $0.contentType == "message/rfc822-headers" || $0.contentType == "message/rfc822" || $0.contentType == "message/global"
                    || $0.contentType == "message/global-headers"
            }
        guard let part else { return nil }
        if let message = part.message { return message.headers }
        let fields = MIMEParser.headerBlocks(part.body).first ?? []
        return fields.isEmpty ? nil : MIMEHeaders(fields: fields)
    }

    /// For an abuse/feedback report (RFC 5965, ARF): the message/feedback-report part, read.
    public var feedbackReport: FeedbackReport? {
        root.first { $0.contentType == "message/feedback-report" }.map { FeedbackReport(parsing: $0.body) }
    }

    /// `<a@b> <c@d>` → `["a@b", "c@d"]`; a value without brackets yields its whitespace-separated words.
    static func messageIDs(in value: String) -> [String] {
        var ids: [String] = []
        var current: [UInt8] = []
        var inside = false
        for byte in value.utf8 {
            if byte == UInt8(ascii: "<") {
                inside = true
                current.removeAll(keepingCapacity: true)
            } else if byte == UInt8(ascii: ">"), inside {
                inside = false
                let id = String(decoding: current, as: UTF8.self).trimmingASCIIWhitespace()
                if !id.isEmpty { ids.append(id) }
            } else if inside, byte != 32, byte != 9 {
                current.append(byte)
            }
        }
        if ids.isEmpty {
            ids = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map(String.init).filter { !$0.isEmpty }
        }
        return ids
    }
}
