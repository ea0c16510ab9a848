public import Foundation

/// The machine-readable part of an abuse/feedback report (RFC 5965 message/feedback-report, ARF).
public struct FeedbackReport: Sendable {
    public let fields: MIMEHeaders

    init(parsing body: [UInt8]) {
        fields = MIMEHeaders(fields: MIMEParser.headerBlocks(body).flatMap { $0 })
    }

    /// `abuse`, `fraud`, `virus`, `not-spam`, `other`… (lowercased).
    public var feedbackType: String? { fields.value(for: "Feedback-Type").map { $0.trimmingASCIIWhitespace().asciiLowercased() } }
    public var userAgent: String? { fields.value(for: "User-Agent") }
    public var originalMailFrom: String? { fields.value(for: "Original-Mail-From").map(DeliveryStatus.stripBrackets) }
    /// Original-Rcpt-To values: the recipients who complained.
    public var originalRecipients: [String] { fields.values(for: "Original-Rcpt-To").map(DeliveryStatus.stripBrackets) }
    public var arrivalDate: Date? { (fields.rawValue(for: "Arrival-Date") ?? fields.rawValue(for: "Received-Date")).flatMap(RFC5322Date.parse) }
    public var sourceIP: String? { fields.value(for: "Source-IP")?.trimmingASCIIWhitespace() }
    public var reportedDomains: [String] { fields.values(for: "Reported-Domain").map { $0.trimmingASCIIWhitespace() } }
    public var reportingMTA: String? { fields.value(for: "Reporting-MTA").map(DeliveryStatus.stripType) }
}
