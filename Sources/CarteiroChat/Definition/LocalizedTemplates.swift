import Mustache

/// Mustache templates per locale, compiled when the bot file is loaded; one variant is picked per
/// rendering. Values go in as they are: chat text is not HTML.
public struct LocalizedTemplates: Sendable {
    let variants: [String: [MustacheTemplate]]

    init(variants: [String: [MustacheTemplate]]) {
        self.variants = variants
    }

    /// Variant `pick % count` of `locale`'s templates, rendered with `values`; empty when the
    /// locale has none (validation makes sure every bot locale has at least one).
    public func render(locale: String, pick: Int, values: [String: String] = [:]) -> String {
        guard let templates = variants[locale], !templates.isEmpty else { return "" }
        return templates[abs(pick) % templates.count].render(values)
    }

    /// Compiles one template source; `nil` plus the parser's reason when it does not compile.
    static func compile(_ source: String) -> Result<MustacheTemplate, TemplateSyntaxError> {
        do {
            return .success(try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + source))
        } catch let error as MustacheTemplate.ParserError {
            return .failure(TemplateSyntaxError(reason: "\(error.error)", line: error.context.lineNumber))
        } catch {
            return .failure(TemplateSyntaxError(reason: "\(error)", line: 1))
        }
    }

    struct TemplateSyntaxError: Error {
        var reason: String
        var line: Int
    }
}
