import CarteiroDomain
import CarteiroMail
import CarteiroUseCases
import Foundation
import HTTPTypes
import OpenAPIRuntime

extension APIHandlers {
    var templateLibrary: TemplateLibrary { TemplateLibrary(store: store) }

    func listTemplates(_ input: Operations.ListTemplates.Input) async throws -> Operations.ListTemplates.Output {
        let page = try await store.templates.list(page: try pageRequest(limit: input.query.limit, cursor: input.query.cursor))
        let items = try page.items.map { template in Components.Schemas.Template(template, check: try Self.check(template)) }
        return .ok(.init(body: .json(.init(items: items, nextCursor: page.nextCursor))))
    }

    func createTemplate(_ input: Operations.CreateTemplate.Input) async throws -> Operations.CreateTemplate.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        // The document's two forms (with an HTML body, with a text body) share their fields.
        let fields: (name: String, subject: String, html: String?, text: String?)
        if let form = body.value1 {
            fields = (form.name, form.subject, form.html, form.text)
        } else if let form = body.value2 {
            fields = (form.name, form.subject, form.html, form.text)
        } else {
            throw APIError.invalid("body", "a template needs an HTML or a text body")
        }
        do {
            let (template, check) = try await templateLibrary.create(name: fields.name, subject: fields.subject, html: fields.html, text: fields.text)
            return .created(.init(body: .json(.init(template, check: check))))
        } catch let error as TemplateError {
            throw APIError(error)
        }
    }

    func getTemplate(_ input: Operations.GetTemplate.Input) async throws -> Operations.GetTemplate.Output {
        let template = try await template(input.path.templateId)
        return .ok(.init(body: .json(.init(template, check: try Self.check(template)))))
    }

    func updateTemplate(_ input: Operations.UpdateTemplate.Input) async throws -> Operations.UpdateTemplate.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        let current = try await template(input.path.templateId)
        do {
            let (template, check) = try await templateLibrary.revise(
                current, name: body.name ?? current.name, subject: body.subject ?? current.subject,
                // An empty string removes a body; absent keeps it.
                html: body.html.map { $0.isEmpty ? nil : $0 } ?? current.htmlBody,
                text: body.text.map { $0.isEmpty ? nil : $0 } ?? current.textBody)
            return .ok(.init(body: .json(.init(template, check: check))))
        } catch let error as TemplateError {
            throw APIError(error)
        }
    }

    func deleteTemplate(_ input: Operations.DeleteTemplate.Input) async throws -> Operations.DeleteTemplate.Output {
        do {
            try await templateLibrary.delete(try await template(input.path.templateId))
        } catch let error as TemplateInUse {
            throw APIError.conflict(error.description)
        }
        return .noContent(.init())
    }

    func listTemplateRevisions(_ input: Operations.ListTemplateRevisions.Input) async throws -> Operations.ListTemplateRevisions.Output {
        let revisions = try await templateLibrary.revisions(of: try await template(input.path.templateId))
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: revisions.map {
                            .init(revision: $0.revision, name: $0.name, subject: $0.subject, html: $0.htmlBody, text: $0.textBody, savedAt: $0.savedAt)
                        }))))
    }

    func previewTemplate(_ input: Operations.PreviewTemplate.Input) async throws -> Operations.PreviewTemplate.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        let template = try await template(input.path.templateId)
        let values: TemplateValues
        if let contactID = body.contactId {
            guard let contact = try await store.contacts.get(ContactID(rawValue: contactID)) else {
                throw APIError.missingReference("contact", contactID, field: "contactId")
            }
            values = TemplateValues(contact: contact)
        } else if let data = body.data?.additionalProperties {
            let example = TemplateLibrary.exampleValues
            values = TemplateValues(email: data["email"] ?? example.email, name: data["name"] ?? example.name, attributes: data)
        } else {
            values = TemplateLibrary.exampleValues
        }
        do {
            let rendered = try TemplateLibrary.render(template, values: values)
            return .ok(.init(body: .json(.init(subject: rendered.subject, html: rendered.html, text: rendered.text))))
        } catch {
            throw APIError(error)
        }
    }

    private func template(_ id: String) async throws -> Template {
        guard let template = try await store.templates.get(TemplateID(rawValue: id)) else { throw APIError.notFound("template", id) }
        return template
    }

    /// A stored template passed these checks when it was saved; only the variable lists are new.
    private static func check(_ template: Template) throws -> TemplateCheck {
        do {
            return try TemplateCheck(subject: template.subject, html: template.htmlBody, text: template.textBody)
        } catch {
            throw APIError(error)
        }
    }
}

extension APIError {
    /// A template part that does not compile, with where.
    init(_ error: TemplateError) {
        self.init(.unprocessableContent, code: "invalid_template", "line \(error.line), column \(error.column): \(error.message)", field: error.part)
    }
}

extension Components.Schemas.Template {
    init(_ template: Template, check: TemplateCheck) {
        self.init(
            id: template.id.rawValue, name: template.name, subject: template.subject, html: template.htmlBody, text: template.textBody,
            revision: template.revision, variables: check.variables, unknownVariables: check.unknownVariables, createdAt: template.createdAt,
            updatedAt: template.updatedAt, version: template.version)
    }
}
