import Testing

@testable import CarteiroMail

@Suite struct PlainTemplateTests {
    static let sources = [
        "Oi {{name}}, seu plano {{plano}}",
        "Olá {{name}},\n\nO seu plano {{plano}} ficou mais rápido.\r\n{{first_name}} / {{ email }} / {{locale}} {{timezone}}\n",
        "{{{name}}} {{&name}} {{name}} {{ attributes.plano }} {{attributes.name}} {{unsubscribe_url}} {{missing}}",
        "<p>{{name}}</p><a href=\"{{unsubscribe_url}}\">{{{plano}}}</a>",
        "no tags at all }} { x",
        "{{name}}",
        "x{{email}}{{email}}y",
    ]

    static let values = [
        TemplateValues(email: "ana@example.com", name: "Ana Souza", attributes: ["plano": "Fibra <3> & \"mais\" 'já'", "name": "attr name"]),
        TemplateValues(email: "bia@example.com", attributes: ["name": "Só atributo", "first_name": "Bi", "unsubscribe_url": "attr-url"]),
        TemplateValues(
            email: "c@example.com", name: "  ", locale: "en", timezone: "UTC", attributes: [:], unsubscribeURL: "https://u.example/x?a=1&b=2"),
        TemplateValues(email: "d@example.com", name: "Zoë <\u{301}Ö", attributes: ["plano": "e\u{301} <\u{338} ok"]),
    ]

    @Test func plainVariablesRenderExactlyAsMustacheRendersThem() throws {
        for source in Self.sources {
            for escaping in [false, true] {
                let plain = try #require(PlainTemplate(source: source, escaping: escaping), "\(source) is plain")
                for values in Self.values {
                    #expect(plain.render(values) == (try MailTemplate.renderWithMustache(source, escaping: escaping, values: values)))
                }
            }
        }
    }

    @Test func anythingButPlainVariablesIsLeftToMustache() {
        for source in [
            "{{#name}}x{{/name}}", "{{^name}}x{{/name}}", "{{! comment }}", "{{> partial}}", "{{uppercased(name)}}", "{{attributes}}",
            "{{attributes.a.b}}", "{{.}}", "{{name.first}}", "{{name", "{{{name}}", "{{%pragma}}",
        ] {
            #expect(PlainTemplate(source: source, escaping: true) == nil, "\(source)")
        }
        // A text part's first blank line is removed by mustache (after the content-type pragma).
        #expect(PlainTemplate(source: "\nOi {{name}}", escaping: false) == nil)
        #expect(PlainTemplate(source: "\nOi {{name}}", escaping: true) != nil)
    }
}
