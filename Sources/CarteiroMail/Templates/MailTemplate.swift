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

    /// The longest a subject or body may be, in UTF-8 bytes. Mail clients cut far shorter
    /// messages (Gmail at about 100 KB), and a bound keeps compiling any template quick.
    public static let maximumPartBytes = 512 * 1024

    /// A compiled part: joined by hand when its tags are plain variables, else rendered by
    /// mustache piece by piece (see `MustacheTagScanner.pieces`).
    private enum Part: Sendable {
        case plain(PlainTemplate)
        case mustache([MustacheTemplate])
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

    /// Every top-level variable the parts use, after checking their tags; none is refused, so
    /// that a caller can report the ones no contact has instead of refusing the template.
    public static func variables(subject: String, html: String?, text: String?) throws(TemplateError) -> Set<String> {
        var found = try MustacheTagScanner.variables(in: subject, part: "subject")
        if let html { found.formUnion(try MustacheTagScanner.variables(in: html, part: "html")) }
        if let text { found.formUnion(try MustacheTagScanner.variables(in: text, part: "text")) }
        return found
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
            case .mustache(let pieces):
                let built = context ?? values.context
                context = built
                return pieces.map { $0.render(built) }.joined()
            }
        }
        return Rendered(subject: render(subject), html: html.map(render), text: text.map(render))
    }

    /// The subject alone, for checking a recipient's header before anything is stored.
    public func renderSubject(_ values: TemplateValues) -> String {
        switch subject {
        case .plain(let template): template.render(values)
        case .mustache(let pieces): pieces.map { $0.render(values.context) }.joined()
        }
    }

    /// Linear in the part's length: the variable scan and the plain form read it once, and
    /// mustache reads it in pieces of about 8 KB (it reads a whole part in time that grows with
    /// the square of its length).
    private static func compile(_ source: String, part: String, escaping: Bool, known: Set<String>) throws(TemplateError) -> Part {
        let size = source.utf8.count
        guard size <= maximumPartBytes else {
            throw TemplateError(
                part: part, line: 1, column: 1,
                message: "the \(part) is \(size / 1024) KB; a template's subject and each body may be at most \(maximumPartBytes / 1024) KB")
        }
        try MustacheTagScanner.checkVariables(in: source, part: part, known: known)
        // Text and plain variables only: mustache would read it the same way (a lone `{` at
        // the very end is a syntax error to mustache, so that is left to it).
        if source.utf8.last != UInt8(ascii: "{"), let plain = PlainTemplate(source: source, escaping: escaping) { return .plain(plain) }
        return .mustache(try compilePieces(source, part: part, escaping: escaping, pieceBytes: 8192))
    }

    /// The part as mustache templates to render one after the other. Every piece after the
    /// first starts with a tag that prints nothing, as the rest of a line that already started:
    /// a text part's content-type pragma, or an empty comment.
    private static func compilePieces(_ source: String, part: String, escaping: Bool, pieceBytes: Int) throws(TemplateError) -> [MustacheTemplate] {
        guard let pieces = MustacheTagScanner.pieces(of: source, target: pieceBytes) else {
            return [try compileMustache(source, part: part, escaping: escaping, firstLine: 1)]
        }
        var compiled: [MustacheTemplate] = []
        compiled.reserveCapacity(pieces.count)
        for (index, piece) in pieces.enumerated() {
            try checkReadingCost(of: piece, part: part)
            let text = index == 0 || !escaping ? piece.text : "{{!}}" + piece.text
            compiled.append(
                try compileMustache(
                    text, part: part, escaping: escaping, firstLine: piece.firstLine, firstColumn: piece.firstColumn, prefixed: index > 0 && escaping)
            )
        }
        return compiled
    }

    /// A piece that could not be cut (a section spanning much of a long part) costs mustache
    /// about its length times its braces; past a bound (about a second), it is refused.
    private static func checkReadingCost(of piece: MustacheTagScanner.Piece, part: String) throws(TemplateError) {
        let length = piece.text.utf8.count
        guard length > 16 * 1024 else { return }
        let braces = piece.text.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "{") ? 1 : 0) }
        guard braces * length / 2 > 500_000_000 else { return }
        let section = piece.longestSection ?? (piece.firstLine, length)
        throw TemplateError(
            part: part, line: section.line, column: 1,
            message:
                "the section opened here spans \(section.bytes / 1024) KB among \(braces) braces, too much to read at once; split it into smaller sections"
        )
    }

    /// For tests: the part as mustache renders it read whole, whether or not it is plain.
    static func renderWithMustache(_ source: String, escaping: Bool, values: TemplateValues) throws(TemplateError) -> String {
        try compileMustache(source, part: "test", escaping: escaping, firstLine: 1).render(values.context)
    }

    /// For tests: the part as mustache renders it read in pieces of about `pieceBytes`.
    static func renderInPieces(_ source: String, escaping: Bool, values: TemplateValues, pieceBytes: Int) throws(TemplateError) -> String {
        let context = values.context
        return try compilePieces(source, part: "test", escaping: escaping, pieceBytes: pieceBytes).map { $0.render(context) }.joined()
    }

    /// `firstLine` and `firstColumn`: where `source` starts in the part, for errors.
    private static func compileMustache(
        _ source: String, part: String, escaping: Bool, firstLine: Int, firstColumn: Int = 1, prefixed: Bool = false
    ) throws(TemplateError) -> MustacheTemplate {
        do {
            // Text parts and the subject are not HTML: values go in as they are.
            return try MustacheTemplate(string: escaping ? source : "{{% CONTENT_TYPE: TEXT}}" + source)
        } catch let error as MustacheTemplate.ParserError {
            // What was put before the source shifts its first line.
            let shift = escaping ? (prefixed ? 5 : 0) : 24
            let column = error.context.lineNumber > 1 ? error.context.columnNumber : firstColumn - 1 + max(1, error.context.columnNumber - shift)
            throw TemplateError(
                part: part, line: firstLine + error.context.lineNumber - 1, column: column, message: "syntax error: \(error.error)")
        } catch {
            throw TemplateError(part: part, line: firstLine, column: 1, message: "syntax error: \(error)")
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
            email: contact.email.value, name: contact.name, locale: contact.locale, timezone: contact.timezone, attributes: contact.attributeTexts,
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
