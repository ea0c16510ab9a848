public import CarteiroDomain
public import CarteiroMail
public import Foundation

/// The use cases of templates: save (checked, a new revision each change, the replaced one
/// archived first), list the revisions, render a preview, delete one no campaign still needs.
public struct TemplateLibrary: Sendable {
    private let templates: any AggregateRepository<Template>
    private let revisions: any AggregateRepository<TemplateRevision>
    private let campaigns: any AggregateRepository<Campaign>

    public init(store: any Store) {
        templates = store.templates
        revisions = store.templateRevisions
        campaigns = store.campaigns
    }

    public func create(name: String, subject: String, html: String?, text: String?, now: Date = Date()) async throws -> (Template, TemplateCheck) {
        let check = try TemplateCheck(subject: subject, html: html, text: text)
        let template = try Template(name: name, subject: subject, htmlBody: html, textBody: text, createdAt: now)
        return (try await templates.insert(template), check)
    }

    /// Saves the next revision of `template` (read at its current version). The revision it
    /// replaces is archived before the template changes, so that a failed or lost update leaves
    /// nothing half done: archiving the same revision twice is a harmless duplicate.
    public func revise(
        _ template: Template, name: String, subject: String, html: String?, text: String?, now: Date = Date()
    ) async throws -> (Template, TemplateCheck) {
        let check = try TemplateCheck(subject: subject, html: html, text: text)
        var next = template
        try next.revise(name: name, subject: subject, htmlBody: html, textBody: text, at: now)
        guard next.revision != template.revision else { return (template, check) }
        do {
            _ = try await revisions.insert(TemplateRevision(of: template))
        } catch let error as StoreError where error.isDuplicate {
            // Archived by an earlier attempt.
        }
        return (try await templates.update(next), check)
    }

    /// Every revision, newest first: the current one and the archived ones.
    public func revisions(of template: Template) async throws -> [TemplateRevision] {
        var archived: [TemplateRevision] = []
        var cursor: String?
        repeat {
            let page = try await revisions.find("template", equals: template.id.rawValue, page: try PageRequest(limit: 1000, cursor: cursor))
            archived.append(contentsOf: page.items)
            cursor = page.nextCursor
        } while cursor != nil
        let older = archived.filter { $0.revision < template.revision }
        return [TemplateRevision(of: template)] + older.sorted { $0.revision > $1.revision }
    }

    /// Deletes the template and its archived revisions, unless a campaign that is not finished uses it.
    public func delete(_ template: Template) async throws {
        for status in Campaign.Status.allCases where !status.isFinal {
            var cursor: String?
            repeat {
                let page = try await campaigns.find("status", equals: status.rawValue, page: try PageRequest(limit: 1000, cursor: cursor))
                if let user = page.items.first(where: { $0.templateID == template.id }) {
                    throw TemplateInUse(campaign: user.id, status: status)
                }
                cursor = page.nextCursor
            } while cursor != nil
        }
        for revision in try await revisions(of: template).dropFirst() { _ = try await revisions.delete(revision.id) }
        guard try await templates.delete(template.id) else { throw StoreError(.notFound, "template \(template.id) does not exist") }
    }

    /// The template rendered with `values`.
    public static func render(_ template: Template, values: TemplateValues) throws(TemplateError) -> MailTemplate.Rendered {
        let used = try MailTemplate.variables(subject: template.subject, html: template.htmlBody, text: template.textBody)
        return try MailTemplate(subject: template.subject, html: template.htmlBody, text: template.textBody, extraVariables: used).render(values)
    }

    /// Who a preview without a contact or data is rendered for.
    public static let exampleValues = TemplateValues(email: "ana.souza@example.com", name: "Ana Souza")
}

/// A template a campaign that is not finished still needs.
public struct TemplateInUse: Error, Sendable, CustomStringConvertible {
    public let campaign: CampaignID
    public let status: Campaign.Status
    public var description: String { "campaign \(campaign) (\(status.rawValue)) uses this template" }
}
