import CarteiroDomain
import CarteiroMIME
import CarteiroMail
import CarteiroTesting
import Foundation
import Testing

@Suite struct MailComposerTests {
    let clock = ManualClock()
    let unsubscribe = UnsubscribeLinks(
        baseURL: "https://mail.isp.example/u", mailbox: "unsubscribe@isp.example", listID: "Ofertas <ofertas.isp.example>",
        secret: Array("test-secret".utf8))

    func composer() throws -> MailComposer {
        MailComposer(
            configuration: .init(from: try MailAddress("ofertas@isp.example", displayName: "Provedor"), unsubscribe: unsubscribe), clock: clock)
    }

    func job(_ stream: MailStream, name: String? = "Ana") throws -> EmailJob {
        EmailJob(
            sendID: SendID(), recipient: try EmailAddress("ana@example.com"), recipientName: name, stream: stream, dueAt: clock.now(),
            createdAt: clock.now())
    }

    @Test func bulkMailCarriesOneClickUnsubscribeHeadersAndAStableMessageID() throws {
        let job = try job(.bulk)
        let template = try MailTemplate(subject: "Oferta", html: "<p>Oi {{name}} <a href=\"{{unsubscribe_url}}\">sair</a></p>", text: nil)
        let message = try composer().compose(job, template: template)
        let parsed = ParsedMessage.parse(message.bytes)
        #expect(parsed.messageID == "\(job.id.rawValue)@isp.example")
        let listUnsubscribe = try #require(parsed.headers.value(for: "List-Unsubscribe"))
        #expect(listUnsubscribe.contains("<https://mail.isp.example/u/\(job.id.rawValue)."))
        #expect(listUnsubscribe.contains("<mailto:unsubscribe@isp.example"))
        #expect(parsed.headers.value(for: "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
        #expect(parsed.headers.value(for: "List-Id") == "Ofertas <ofertas.isp.example>")
        #expect(parsed.headers.value(for: "Auto-Submitted") == nil)
        #expect(parsed.htmlBody?.contains("https://mail.isp.example/u/\(job.id.rawValue).") == true)
        #expect(parsed.textBody?.contains("Oi Ana") == true, "the text part is derived from the HTML")
    }

    @Test func unsubscribeTokenNamesItsJobAndATamperedOneIsRefused() {
        let token = unsubscribe.token(for: "job-123")
        #expect(unsubscribe.jobID(fromToken: token) == "job-123")
        #expect(unsubscribe.jobID(fromToken: token.replacingOccurrences(of: "job-123", with: "job-124")) == nil)
        #expect(unsubscribe.jobID(fromToken: "job-123.AAAAAAAAAAAAAAAAAAAAAA") == nil)
    }

    @Test func transactionalMailIsMarkedAutoSubmittedWithoutListHeaders() throws {
        let message = try composer().compose(try job(.transactional), template: try MailTemplate(subject: "Confirme", html: nil, text: "Responda"))
        let parsed = ParsedMessage.parse(message.bytes)
        #expect(parsed.headers.value(for: "Auto-Submitted") == "auto-generated")
        #expect(parsed.headers.value(for: "List-Unsubscribe") == nil)
    }

    @Test func anAnswerInAnEmailConversationIsThreadedAndNotMarkedAutoSubmitted() throws {
        let threading = Send.Threading(inReplyTo: "q2@exemplo.com.br", references: ["q1@exemplo.com.br", "a1@isp.example", "q2@exemplo.com.br"])
        let composer = MailComposer(
            configuration: .init(from: try MailAddress("contato@isp.example"), replyTo: try MailAddress("suporte@isp.example"), threading: threading),
            clock: clock)
        let template = try MailTemplate(subject: "{{{subject}}}", html: nil, text: "{{{answer}}}", extraVariables: ["subject", "answer"])
        var job = try job(.transactional)
        job = EmailJob(
            sendID: job.sendID, recipient: job.recipient, recipientName: "Ana", stream: .transactional,
            variables: ["subject": "Re: Fatura", "answer": "Já corrigimos {{isto}} & <aquilo>."], dueAt: clock.now(), createdAt: clock.now())
        let parsed = ParsedMessage.parse(try composer.compose(job, template: template).bytes)
        #expect(parsed.inReplyTo == "q2@exemplo.com.br")
        #expect(parsed.references == threading.references)
        #expect(parsed.replyTo.first?.address == "suporte@isp.example")
        #expect(parsed.subject == "Re: Fatura")
        #expect(parsed.textBody?.contains("Já corrigimos {{isto}} & <aquilo>.") == true, "the agent's words, not a template")
        #expect(parsed.headers.value(for: "Auto-Submitted") == nil, "a person wrote it (RFC 3834)")
    }

    @Test func lineBreakFromTemplateOutputInAHeaderIsATypedErrorNotAStrippedValue() throws {
        let job = try job(.bulk, name: "Ana\r\nBcc: everyone@example.com")
        let template = try MailTemplate(subject: "Oi {{name}}", html: nil, text: "x")
        let error = #expect(throws: CompositionError.self) { try composer().compose(job, template: template) }
        #expect(error?.jobID == job.id)
        #expect(error?.field == "Subject" || error?.field == "To")
    }
}
