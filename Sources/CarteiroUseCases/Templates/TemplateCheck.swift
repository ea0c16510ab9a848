public import CarteiroMail

/// What saving a template checks: every part compiles (mustache syntax, size), and which of the
/// variables it uses no contact has as a field. Those are reported, not refused: a bare name can
/// still be a contact attribute or a CSV column, and renders empty when it is neither.
public struct TemplateCheck: Sendable, Equatable {
    /// Every top-level variable the template uses, sorted.
    public let variables: [String]
    /// The variables that are not contact fields (`email`, `name`, `first_name`, …) nor
    /// `attributes.NAME`, sorted.
    public let unknownVariables: [String]

    public init(subject: String, html: String?, text: String?) throws(TemplateError) {
        let used = try MailTemplate.variables(subject: subject, html: html, text: text)
        // Compiling with every used name known checks the syntax and the size without refusing names.
        _ = try MailTemplate(subject: subject, html: html, text: text, extraVariables: used)
        variables = used.sorted()
        unknownVariables = used.filter { !MailTemplate.contactVariables.contains($0) && !$0.hasPrefix("attributes.") && $0 != "attributes" }.sorted()
    }
}
