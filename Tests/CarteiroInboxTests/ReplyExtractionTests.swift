import CarteiroInbox
import CarteiroMIME
import Foundation
import Testing

@Suite struct ReplyExtractionTests {
    /// talon's fixtures: what the person typed is `Hello`, or the content of `NAME_reply_text`
    /// (which keeps the "Sent from my iPhone" footer and Sparrow's signature: they were typed
    /// above the quote, and `typedText` keeps them).
    @Test func typedTextOfEveryRealReplyIsWhatThePersonTyped() throws {
        let replies = try Fixtures.messages(in: "replies")
        try #require(replies.count >= 12)
        for (name, bytes) in replies {
            let stem = name.replacingOccurrences(of: ".eml", with: "")
            let expected = (try? String(decoding: Fixtures.data("replies/\(stem)_reply_text"), as: UTF8.self)) ?? "Hello"
            let body = try #require(ParsedMessage.parse(bytes).textBody, "\(name)")
            #expect(ReplyExtractor.typedText(in: body).trimmingTrailingWhitespace == expected.trimmingTrailingWhitespace, "\(name)")
        }
    }

    /// The classification's reply text also leaves out device footers and signatures.
    @Test func replyTextOfEveryRealReplyIsHello() throws {
        for (name, bytes) in try Fixtures.messages(in: "replies") {
            let classification = MessageClassifier.classify(ParsedMessage.parse(bytes), context: ClassificationContext())
            #expect(classification.replyText?.trimmingTrailingWhitespace == "Hello", "\(name)")
        }
    }

    @Test func gmailPortugueseAttributionAndQuoteAreLeftOut() {
        let body = """
            Sim, confirmo!

            Em seg., 7 de dez. de 2026 às 10:00, Fulano <a@b.com.br> escreveu:

            > Responda SIM para confirmar sua inscrição.
            > Ou NÃO para cancelar.
            """
        #expect(ReplyExtractor.replyText(in: body) == "Sim, confirmo!")
    }

    @Test func gmailAttributionWrappedOverTwoLinesIsLeftOut() {
        let body = """
            Pode cancelar.

            Em seg., 7 de dez. de 2026 às 10:00, Fulano de Tal <
            fulano@example.com.br> escreveu:

            > Confirme sua inscrição
            """
        #expect(ReplyExtractor.replyText(in: body) == "Pode cancelar.")
    }

    @Test func outlookPortugueseHeaderBlockAndEverythingBelowAreLeftOut() {
        let body = """
            não

            ________________________________
            De: Carteiro <confirmar+ab12@example.com.br>
            Enviado: segunda-feira, 7 de dezembro de 2026 10:00
            Para: Maria Silva <maria@example.com>
            Assunto: Confirme sua inscrição

            Responda SIM para confirmar.
            """
        #expect(ReplyExtractor.replyText(in: body) == "não")
    }

    @Test func originalMessageMarkersInBothLanguagesEndTheReply() {
        #expect(ReplyExtractor.replyText(in: "ok\n\n-----Mensagem original-----\nDe: x\nSIM") == "ok")
        #expect(ReplyExtractor.replyText(in: "yes\n-----Original Message-----\nFrom: x\nSent: y\nNO") == "yes")
    }

    @Test func deviceFootersAreLeftOut() {
        #expect(ReplyExtractor.replyText(in: "Sim\n\nEnviado do meu iPhone") == "Sim")
        #expect(ReplyExtractor.replyText(in: "Yes\n\nSent from my Galaxy\n\nOn Mon, Dec 7, 2026 at 10:00 AM X <x@y.com> wrote:\n> Hi") == "Yes")
        #expect(ReplyExtractor.replyText(in: "Sim\n\nObter o Outlook para Android") == "Sim")
    }

    @Test func bottomPostedReplyBelowTheQuoteIsKept() {
        #expect(ReplyExtractor.replyText(in: "On 04/02/2026 06:26 PM, Ana wrote:\n> Confirma?\nSim") == "Sim")
    }

    @Test func htmlOnlyReplyIsReadAsText() {
        let reply = message(
            """
            From: Maria <maria@example.com>
            To: confirmar+tok@example.com.br
            Subject: Re: Confirme
            In-Reply-To: <job-1@example.com.br>
            Content-Type: text/html; charset=utf-8

            <div>Sim, confirmo</div><div><br></div><div class="gmail_quote">Em seg., 7 de dez. de 2026 às 10:00, Carteiro &lt;confirmar@example.com.br&gt; escreveu:<br><blockquote>Responda NÃO para cancelar</blockquote></div>
            """
        )
        let classification = MessageClassifier.classify(reply, context: ClassificationContext())
        #expect(classification.replyText == "Sim, confirmo")
        #expect(classification.kind == .confirm)
    }
}
