/// How far the classifier agrees with a reference reading of a corpus of reports (Sisimai's, in
/// the project's bounce corpus), file by file. Shared by `carteiro bench bounces` and the tests.
///
/// - Detection: a file agrees when we read it as a report (kind `bounce`, `complaint` or
///   `auto_reply`, or a delivery report listing recipients, such as a success notice of kind
///   `other`) exactly when the reference has records for it.
/// - Recipients: a file agrees when our report recipients (`bounces`), lowercased, are the
///   reference's recipients as a set (both empty included).
/// - Permanence: each reference record with a permanent (softbounce 0) or temporary (1) verdict
///   agrees when we list that recipient with the same `permanent` flag.
public struct BounceAgreement: Sendable {
    /// One record of the reference: the recipient and Sisimai's softbounce (1 temporary, 0 permanent, -1 neither).
    public struct ReferenceRecord: Sendable, Hashable, Decodable {
        public var recipient: String
        public var softbounce: Int

        public init(recipient: String, softbounce: Int) {
            self.recipient = recipient
            self.softbounce = softbounce
        }
    }

    public private(set) var files = 0
    public private(set) var detectionAgreements = 0
    public private(set) var recipientAgreements = 0
    public private(set) var permanenceRecords = 0
    public private(set) var permanenceAgreements = 0
    /// File name → what disagreed, for reading the files.
    public private(set) var disagreements: [(file: String, reason: String)] = []

    public init() {}

    public var detection: Double { ratio(detectionAgreements, files) }
    public var recipients: Double { ratio(recipientAgreements, files) }
    public var permanence: Double { ratio(permanenceAgreements, permanenceRecords) }

    /// Whether we read the message as a report: `bounces` is filled for reports only.
    public static func isReport(_ classification: Classification) -> Bool {
        classification.kind == .bounce || classification.kind == .complaint || classification.kind == .autoReply || !classification.bounces.isEmpty
    }

    public mutating func add(file: String, classification: Classification, reference: [ReferenceRecord]) {
        files += 1
        if Self.isReport(classification) == !reference.isEmpty {
            detectionAgreements += 1
        } else {
            disagreements.append((file, "detection: \(classification.kind.rawValue), reference has \(reference.count) records"))
        }
        let ours = Set(classification.bounces.map { $0.recipient.lowercased() })
        let theirs = Set(reference.map { $0.recipient.lowercased() })
        if ours == theirs {
            recipientAgreements += 1
        } else {
            disagreements.append((file, "recipients: \(ours.sorted()) vs \(theirs.sorted())"))
        }
        for record in reference where record.softbounce == 0 || record.softbounce == 1 {
            permanenceRecords += 1
            let match = classification.bounces.first { $0.recipient.lowercased() == record.recipient.lowercased() }
            if let match, match.permanent == (record.softbounce == 0) {
                permanenceAgreements += 1
            } else {
                let verdict = match.map { $0.permanent ? "permanent" : "temporary" } ?? "missing"
                disagreements.append((file, "permanence of \(record.recipient): \(verdict) vs \(record.softbounce == 0 ? "permanent" : "temporary")"))
            }
        }
    }

    private func ratio(_ part: Int, _ whole: Int) -> Double {
        whole == 0 ? 0 : Double(part) / Double(whole)
    }
}
