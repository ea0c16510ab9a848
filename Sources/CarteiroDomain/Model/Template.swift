public import Foundation

public typealias TemplateID = Identifier<Template>

/// A message template: mustache subject and bodies, rendered per contact by the mail module.
public struct Template: Aggregate {
    public let id: TemplateID
    public var version: Int
    public private(set) var name: String
    public private(set) var subject: String
    public var htmlBody: String?
    public var textBody: String?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: TemplateID = TemplateID(), name: String, subject: String, htmlBody: String?, textBody: String?, createdAt: Date
    ) throws(ValidationError) {
        self.id = id
        self.version = 0
        self.name = try requireNonEmpty(name, field: "name")
        self.subject = try requireNonEmpty(subject, field: "subject")
        guard (htmlBody?.isEmpty == false) || (textBody?.isEmpty == false) else {
            throw ValidationError(field: "body", reason: "a template needs an HTML or a text body")
        }
        self.htmlBody = htmlBody
        self.textBody = textBody
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}
