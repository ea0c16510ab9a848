public import Foundation

public typealias TemplateRevisionID = Identifier<TemplateRevision>

/// A template as it was at one revision, kept when a later revision replaced it. Its id is the
/// template's id and the revision number, so archiving the same revision twice is a duplicate,
/// not a second copy.
public struct TemplateRevision: Aggregate {
    public let id: TemplateRevisionID
    public var version: Int
    public let templateID: TemplateID
    public let revision: Int
    public let name: String
    public let subject: String
    public let htmlBody: String?
    public let textBody: String?
    /// When this revision was saved (the template's `updatedAt` then).
    public let savedAt: Date

    /// The revision `template` is at now.
    public init(of template: Template) {
        id = Self.id(template: template.id, revision: template.revision)
        version = 0
        templateID = template.id
        revision = template.revision
        name = template.name
        subject = template.subject
        htmlBody = template.htmlBody
        textBody = template.textBody
        savedAt = template.updatedAt
    }

    public static func id(template: TemplateID, revision: Int) -> TemplateRevisionID {
        // Zero-padded so that identifier order is revision order.
        let number = String(revision)
        return TemplateRevisionID(rawValue: "\(template.rawValue).r\(String(repeating: "0", count: max(0, 8 - number.count)))\(number)")
    }
}
