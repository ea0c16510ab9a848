public import CarteiroDomain
import Foundation
import Mustache

/// A message template compiled once, when it is saved: syntax errors and unknown variables are
/// reported then, with line and column, never at send time.
///
/// Variables are the contact's fields (`email`, `name`, `first_name`, `locale`, `timezone`), its
/// attributes (`attributes.plan`, or a bare name given in `extraVariables`, such as a CSV column)
/// and `unsubscribe_url`. HTML parts escape values; subject and text parts do not.
public struct MailTemplate: Sendable {
    public static let contactVariables: Set<String> = ["email", "name", "first_name", "locale", "timezone", "unsubscribe_url"]

    private let subject: Part
    private let html: Part?
    private let text: Part?

    /// A compiled part: joined by hand when its tags are plain variables, else rendered by mustache.
    private enum Part: Sendable {
        case plain(PlainTemplate)
        case mustache(MustacheTemplate)
    }

    public init(subject: String, html: String?, text: String?, extraVariables: Set<String> = []) throws(TemplateError) {
        guard html?.isEmpty == false || text?.isEmpty == false else {
            throw TemplateError(part: "body", line: 1, column: 1, message: "a template needs an HTML or a text body")
        }
        let known = Self.contactVariables.union(extraVariables)
        self.subject = try Self.compile(subject, part: "subject", escaping: false, known: known)
        self.html = try html.map { source throws(TemplateError) in try Self.compile(source, part: "html", escaping: true, known: known) }
        self.text = try text.map { source throws(TemplateError) in try Self.compile(source, part: "text", escaping: false, known: known) }
    }

    public init(_ template: Template, extraVariables: Set<String> = []) throws(TemplateError) {
        try self.init(subject: template.subject, html: template.htmlBody, text: template.textBody, extraVariables: extraVariables)
    }

    public struct Rendered: Sendable, Equatable {
        public var subject: String
        public var html: String?
        public var text: String?
    }

    public func render(_ values: TemplateValues) -> Rendered {
        var context: [String: Any]?
        func render(_ part: Part) -> String {
            switch part {
            case .plain(let template): return template.render(values)
            case .mustache(let template):
                let built = context ?? values.context
                context = built
                return template.render(built)
            }
        }
        return Rendered(subject: render(subject), html: html.map(render), text: text.map(render))
    }

    /// The subject alone, for checking a recipient's header before anything is stored.
    public func renderSubject(_ values: TemplateValues) -> String {
        switch subject {
        case .plain(let template): template.render(values)
        case .mustache(let template): template.render(values.context)
        }
    }

    private static func compile(_ source: String, part: String, escaping: Bool, known: Set<String>) throws(TemplateError) -> Part {
        try MustacheTagScanner.checkVariables(in: source, part: part, known: known)
        // Compiled even when it will not render: mustache decides what is a syntax error.
        let mustache = try compileMustache(source, part: part, escaping: escaping)
        if let plain = PlainTemplate(source: source, escaping: escaping) { return .plain(plain) }
        return .mustache(mustache)
    }

    /// For tests: the part as mustache renders it, whether or not it is plain.
    static func renderWithMustache(_ source: String, escaping: Bool, values: TemplateValues) throws(TemplateError) -> String {
        try compileMustache(source, part: "test", escaping: escaping).render(values.context)
    }

    private static func compileMustache(_ source: String, part: String, escaping: Bool) throws(TemplateError) -> MustacheTemplate {
        do {
            // Text parts and the subject are not HTML: values go in as they are.
            return try MustacheTemplate(string: escaping ? source : "{{% CONTENT_TYPE: TEXT}}" + source)
        } catch let error as MustacheTemplate.ParserError {
            let column = escaping || error.context.lineNumber > 1 ? error.context.columnNumber : max(1, error.context.columnNumber - 24)
            throw TemplateError(part: part, line: error.context.lineNumber, column: column, message: "syntax error: \(error.error)")
        } catch {
            throw TemplateError(part: part, line: 1, column: 1, message: "syntax error: \(error)")
        }
    }
}

/// Where a template is wrong: the part, the line and column (from 1), and what is wrong.
public struct TemplateError: Error, Hashable, Sendable, CustomStringConvertible {
    public let part: String
    public let line: Int
    public let column: Int
    public let message: String

    public var description: String { "\(part) line \(line), column \(column): \(message)" }
}

/// The values a template is rendered with, for one recipient.
public struct TemplateValues: Sendable {
    public var email: String
    public var name: String?
    public var locale: String
    public var timezone: String
    public var attributes: [String: String]
    public var unsubscribeURL: String?

    public init(
        email: String, name: String? = nil, locale: String = "pt-BR", timezone: String = "America/Sao_Paulo", attributes: [String: String] = [:],
        unsubscribeURL: String? = nil
    ) {
        self.email = email
        self.name = name
        self.locale = locale
        self.timezone = timezone
        self.attributes = attributes
        self.unsubscribeURL = unsubscribeURL
    }

    public init(contact: Contact, unsubscribeURL: String? = nil) {
        self.init(
            email: contact.email.value, name: contact.name, locale: contact.locale, timezone: contact.timezone, attributes: contact.attributes,
            unsubscribeURL: unsubscribeURL)
    }

    var context: [String: Any] {
        // Attributes are reachable as `attributes.x` and, for CSV columns, as bare names; the
        // contact's own fields win over an attribute of the same name.
        var context: [String: Any] = attributes
        context["attributes"] = attributes
        context["email"] = email
        context["locale"] = locale
        context["timezone"] = timezone
        if let name {
            context["name"] = name
            context["first_name"] = name.split(separator: " ").first.map(String.init) ?? name
        }
        if let unsubscribeURL { context["unsubscribe_url"] = unsubscribeURL }
        return context
    }
}
