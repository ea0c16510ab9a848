public import Foundation

/// The machine-readable part of a delivery status notification (RFC 3464 message/delivery-status).
public struct DeliveryStatus: Sendable {
    /// Per-message fields: Reporting-MTA, Original-Envelope-Id, Arrival-Date, …
    public let messageFields: MIMEHeaders
    /// One entry per recipient block.
    public let recipients: [Recipient]

    public struct Recipient: Sendable {
        /// All fields of the block, in order.
        public let fields: MIMEHeaders

        /// Final-Recipient's address, without its type (`rfc822;`) and brackets.
        public var finalRecipient: String? { fields.rawValue(for: "Final-Recipient").map(DeliveryStatus.stripType).map(DeliveryStatus.stripBrackets) }
        /// Original-Recipient's address, without its type and brackets.
        public var originalRecipient: String? {
            fields.rawValue(for: "Original-Recipient").map(DeliveryStatus.stripType).map(DeliveryStatus.stripBrackets)
        }
        /// The recipient the report is about: Final-Recipient, else Original-Recipient.
        public var recipient: String? {
            [finalRecipient, originalRecipient].lazy.compactMap { $0 }.first { !$0.isEmpty }
        }
        /// `failed`, `delayed`, `delivered`, `relayed` or `expanded` (lowercased).
        public var action: String? { fields.value(for: "Action").map { $0.trimmingASCIIWhitespace().asciiLowercased() } }
        /// The enhanced status code (`5.1.1`), taken from the Status field even when text follows it.
        public var status: String? { fields.value(for: "Status").flatMap(DeliveryStatus.statusCode(in:)) }
        /// Diagnostic-Code without its type (`smtp;`): the remote server's reply.
        public var diagnosticCode: String? { fields.value(for: "Diagnostic-Code").map(DeliveryStatus.stripType) }
        /// Diagnostic-Code's type (`smtp`, `x-unix`), lowercased.
        public var diagnosticType: String? { fields.value(for: "Diagnostic-Code").flatMap(DeliveryStatus.type) }
        /// Remote-MTA without its type (`dns;`).
        public var remoteMTA: String? { fields.value(for: "Remote-MTA").map(DeliveryStatus.stripType) }
        public var lastAttemptDate: Date? { fields.rawValue(for: "Last-Attempt-Date").flatMap(RFC5322Date.parse) }
    }

    public var reportingMTA: String? { messageFields.value(for: "Reporting-MTA").map(Self.stripType) }
    public var originalEnvelopeID: String? { messageFields.value(for: "Original-Envelope-Id")?.trimmingASCIIWhitespace() }
    public var arrivalDate: Date? { messageFields.rawValue(for: "Arrival-Date").flatMap(RFC5322Date.parse) }

    /// Reads the blocks: the first is per-message unless it already names a recipient; each
    /// later block is one recipient, split further where a block repeats Final-Recipient (some
    /// MTAs omit the blank lines), and a block naming no recipient is merged into the one before.
    init(parsing body: [UInt8]) {
        var blocks = MIMEParser.headerBlocks(body)
        func namesRecipient(_ block: [MIMEHeaders.Field]) -> Bool {
            block.contains { $0.key == "final-recipient" || $0.key == "original-recipient" }
        }
        var messageFields: [MIMEHeaders.Field] = []
        if let first = blocks.first, !namesRecipient(first) {
            messageFields = first
            blocks.removeFirst()
        }
        var recipients: [[MIMEHeaders.Field]] = []
        for block in blocks {
            guard namesRecipient(block) else {
                if recipients.isEmpty {
                    messageFields.append(contentsOf: block)
                } else {
                    recipients[recipients.count - 1].append(contentsOf: block)
                }
                continue
            }
            var splits: [Int] = []
            var seenFinal = false
            for (index, field) in block.enumerated() where field.key == "final-recipient" {
                if seenFinal {
                    splits.append(index > 0 && block[index - 1].key == "original-recipient" ? index - 1 : index)
                }
                seenFinal = true
            }
            var start = 0
            for split in splits where split > start {
                recipients.append(Array(block[start..<split]))
                start = split
            }
            recipients.append(Array(block[start...]))
        }
        self.messageFields = MIMEHeaders(fields: messageFields)
        self.recipients = recipients.map { Recipient(fields: MIMEHeaders(fields: $0)) }
    }

    /// The text after a `type;` prefix (`rfc822;`, `smtp;`, `dns;`), or all of it when there is none.
    static func stripType(_ value: String) -> String {
        guard type(value) != nil, let semicolon = value.firstIndex(of: ";") else { return value.trimmingASCIIWhitespace() }
        return String(value[value.index(after: semicolon)...]).trimmingASCIIWhitespace()
    }

    static func type(_ value: String) -> String? {
        guard let semicolon = value.firstIndex(of: ";") else { return nil }
        let type = value[..<semicolon].trimmingCharacters(in: .whitespaces)
        guard !type.isEmpty, type.count <= 20, !type.contains(" ") else { return nil }
        return type.lowercased()
    }

    static func stripBrackets(_ value: String) -> String {
        var text = value.trimmingASCIIWhitespace()
        if text.hasPrefix("<"), let close = text.firstIndex(of: ">") { text = String(text[text.index(after: text.startIndex)..<close]) }
        return text.trimmingASCIIWhitespace()
    }

    /// The first `d.d{1,3}.d{1,3}` with a class of 2, 4 or 5.
    static func statusCode(in value: String) -> String? {
        let bytes = Array(value.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "2") || byte == UInt8(ascii: "4") || byte == UInt8(ascii: "5"),
                index == 0 || !(bytes[index - 1] >= 48 && bytes[index - 1] <= 57 || bytes[index - 1] == UInt8(ascii: "."))
            {
                var probe = index + 1
                var groups = 0
                var valid = true
                while groups < 2 {
                    guard probe < bytes.count, bytes[probe] == UInt8(ascii: ".") else { valid = false; break }
                    probe += 1
                    let start = probe
                    while probe < bytes.count, bytes[probe] >= 48, bytes[probe] <= 57, probe - start < 3 { probe += 1 }
                    guard probe > start else { valid = false; break }
                    groups += 1
                }
                if valid, probe == bytes.count || !(bytes[probe] >= 48 && bytes[probe] <= 57) {
                    return String(decoding: bytes[index..<probe], as: UTF8.self)
                }
            }
            index += 1
        }
        return nil
    }
}
