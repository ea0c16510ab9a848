import CarteiroMail
import Testing

@Suite struct MailTemplateTests {
    @Test func unknownVariableIsReportedWithLineAndColumnAtSaveTime() {
        let error = #expect(throws: TemplateError.self) {
            try MailTemplate(subject: "Oi {{name}}", html: nil, text: "Linha um\nSeu plano: {{plano_atual}}\n")
        }
        #expect(error?.part == "text")
        #expect(error?.line == 2)
        #expect(error?.column == 12)
        #expect(error?.message.contains("plano_atual") == true)
    }

    @Test func extraVariablesSuchAsCSVColumnsAreAccepted() throws {
        let template = try MailTemplate(subject: "{{plano}}", html: nil, text: "{{plano}} {{attributes.cidade}}", extraVariables: ["plano"])
        let rendered = template.render(TemplateValues(email: "a@b.co", attributes: ["plano": "Fibra", "cidade": "Recife"]))
        #expect(rendered.subject == "Fibra")
        #expect(rendered.text == "Fibra Recife")
    }

    @Test func syntaxErrorIsReportedWithItsLine() {
        let error = #expect(throws: TemplateError.self) {
            try MailTemplate(subject: "ok", html: "<p>\n{{#name}}\n<b>{{name}}</b>\n", text: nil)
        }
        #expect(error?.part == "html")
        #expect((error?.line ?? 0) >= 2)
    }

    @Test func htmlPartEscapesValuesAndTextPartAndSubjectDoNot() throws {
        let template = try MailTemplate(subject: "Oi {{name}}", html: "<p>{{name}}</p>", text: "Oi {{name}}")
        let rendered = template.render(TemplateValues(email: "a@b.co", name: "Tom & <Jerry>"))
        #expect(rendered.html == "<p>Tom &amp; &lt;Jerry&gt;</p>")
        #expect(rendered.text == "Oi Tom & <Jerry>")
        #expect(rendered.subject == "Oi Tom & <Jerry>")
    }

    @Test func templateWithoutAnyBodyIsRefused() {
        let error = #expect(throws: TemplateError.self) { try MailTemplate(subject: "x", html: nil, text: "") }
        #expect(error?.part == "body")
    }
}
