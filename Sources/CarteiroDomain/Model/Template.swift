public import Foundation

public typealias TemplateID = Identifier<Template>

/// A message template: mustache subject and bodies, rendered per contact by the mail module.
/// Every change is a new `revision`; the revisions it replaced are kept as `TemplateRevision`s.
public struct Template: Aggregate {
    public let id: TemplateID
    public var version: Int
    public private(set) var name: String
    public private(set) var subject: String
    public private(set) var htmlBody: String?
    public private(set) var textBody: String?
    /// 1 for the first save, one more for each change of name, subject or body.
    public private(set) var revision: Int
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: TemplateID = TemplateID(), name: String, subject: String, htmlBody: String?, textBody: String?, createdAt: Date
    ) throws(ValidationError) {
        self.id = id
        self.version = 0
        self.name = try requireNonEmpty(name, field: "name")
        self.subject = try requireNonEmpty(subject, field: "subject")
        try Self.requireBody(html: htmlBody, text: textBody)
        self.htmlBody = htmlBody
        self.textBody = textBody
        self.revision = 1
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// Makes the next revision; nothing changes when every value is the same.
    public mutating func revise(name: String, subject: String, htmlBody: String?, textBody: String?, at date: Date) throws(ValidationError) {
        let name = try requireNonEmpty(name, field: "name")
        let subject = try requireNonEmpty(subject, field: "subject")
        try Self.requireBody(html: htmlBody, text: textBody)
        guard name != self.name || subject != self.subject || htmlBody != self.htmlBody || textBody != self.textBody else { return }
        self.name = name
        self.subject = subject
        self.htmlBody = htmlBody
        self.textBody = textBody
        revision += 1
        updatedAt = date
    }

    private static func requireBody(html: String?, text: String?) throws(ValidationError) {
        guard (html?.isEmpty == false) || (text?.isEmpty == false) else {
            throw ValidationError(field: "body", reason: "a template needs an HTML or a text body")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case id, version, name, subject, htmlBody, textBody, revision, createdAt, updatedAt
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(TemplateID.self, forKey: .id)
        version = try container.decode(Int.self, forKey: .version)
        name = try container.decode(String.self, forKey: .name)
        subject = try container.decode(String.self, forKey: .subject)
        htmlBody = try container.decodeIfPresent(String.self, forKey: .htmlBody)
        textBody = try container.decodeIfPresent(String.self, forKey: .textBody)
        // Templates stored before revisions existed are at their first.
        revision = try container.decodeIfPresent(Int.self, forKey: .revision) ?? 1
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        updatedAt = try container.decode(Date.self, forKey: .updatedAt)
    }
}
