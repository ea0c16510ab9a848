import CarteiroInbox
import CarteiroMIME
import Testing

@Suite struct MessageClassifierTests {
    static func reply(_ body: String, subject: String = "Re: Confirme sua inscrição", headers: String = "") -> ParsedMessage {
        message(
            """
            From: Maria Silva <maria@example.com>
            To: Carteiro <confirmar+tok123@example.com.br>
            Subject: \(subject)
            Message-ID: <reply-1@example.com>
            In-Reply-To: <job-42@example.com.br>
            References: <first@example.com.br> <job-42@example.com.br>
            \(headers)Content-Type: text/plain; charset=utf-8

            \(body)
            """
        )
    }

    static func classify(_ message: ParsedMessage, signup: Bool = false) -> Classification {
        MessageClassifier.classify(message, context: ClassificationContext(isSignupAddress: signup))
    }

    @Test(arguments: ["SIM", "sim, confirmo", "Sim!", "YES", "confirmo", "ok", "Ok, obrigado"])
    func shortAffirmativeAnswerConfirms(_ answer: String) {
        #expect(Self.classify(Self.reply(answer)).kind == .confirm)
    }

    @Test(arguments: ["NÃO", "nao", "NO", "cancelar", "Não, obrigado"])
    func shortNegativeAnswerDeclines(_ answer: String) {
        #expect(Self.classify(Self.reply(answer)).kind == .decline)
    }

    @Test(arguments: [
        "STOP", "descadastrar", "Quero cancelar inscrição", "please remove me from this list", "unsubscribe", "Não quero mais receber esses emails",
    ])
    func requestToLeaveUnsubscribes(_ answer: String) {
        #expect(Self.classify(Self.reply(answer)).kind == .unsubscribe)
    }

    @Test func quotedSimDoesNotConfirm() {
        let body = """
            Qual é o horário de atendimento?

            Em seg., 7 de dez. de 2026 às 10:00, Carteiro <confirmar@example.com.br> escreveu:
            > Responda SIM para confirmar.
            > SIM
            """
        let classification = Self.classify(Self.reply(body))
        #expect(classification.kind == .other)
        #expect(classification.replyText == "Qual é o horário de atendimento?")
    }

    @Test func replyWithOnlyAQuotedSimIsNoConfirmation() {
        #expect(Self.classify(Self.reply("> SIM\n> confirmo")).kind == .other)
    }

    @Test func affirmativeWordInALongQuestionIsNoConfirmation() {
        let body = "Sim, mas antes preciso saber se o plano de 300 mega funciona no meu bairro e quanto custa a instalação por mês"
        #expect(Self.classify(Self.reply(body)).kind == .other)
    }

    @Test func negationInTheAnswerWithholdsConfirmation() {
        #expect(Self.classify(Self.reply("ok, mas não quero")).kind != .confirm)
    }

    @Test func replyCarriesSenderReferencesAndToken() {
        let classification = Self.classify(Self.reply("SIM"))
        #expect(classification.email == "maria@example.com")
        #expect(classification.name == "Maria Silva")
        #expect(classification.referencedMessageIDs == ["job-42@example.com.br", "first@example.com.br"])
        #expect(classification.recipientTokens == ["tok123"])
    }

    @Test func newMessageToTheSignupAddressIsASignupWithTheNameFromTheBody() {
        let signup = message(
            """
            From: joao@example.com
            To: inscricao@example.com.br
            Subject: Quero receber novidades

            Nome: João da Silva
            Cidade: Recife
            """
        )
        let classification = Self.classify(signup, signup: true)
        #expect(classification.kind == .signup)
        #expect(classification.email == "joao@example.com")
        #expect(classification.name == "João da Silva")
    }

    @Test func newMessageElsewhereIsNoSignup() {
        let question = message(
            "From: joao@example.com\nTo: suporte@example.com.br\nSubject: Internet lenta\n\nMinha internet está lenta desde ontem.")
        #expect(Self.classify(question, signup: false).kind == .other)
    }

    @Test func replyToTheSignupAddressIsNoSignup() {
        #expect(Self.classify(Self.reply("Qual o preço?"), signup: true).kind == .other)
    }

    @Test(arguments: [
        "Auto-Submitted: auto-replied\n", "X-Autoreply: yes\n", "Precedence: bulk\n", "Precedence: auto_reply\n", "Return-Path: <>\n",
        "X-Autorespond: on\n",
    ])
    func machineHeadersMakeAnAutoReplyThatNeverConfirms(_ header: String) {
        let classification = Self.classify(Self.reply("SIM", headers: header))
        #expect(classification.kind == .autoReply)
        #expect(classification.bounces.map(\.recipient) == ["maria@example.com"])
    }

    @Test(arguments: ["Resposta automática: Confirme", "Automatic reply: Confirm", "Out of Office: Confirm", "Ausente: Re: Confirme"])
    func autoReplySubjectsMakeAnAutoReply(_ subject: String) {
        #expect(Self.classify(Self.reply("Estou fora do escritório até segunda.", subject: subject)).kind == .autoReply)
    }

    @Test func autoSubmittedNoIsAPerson() {
        #expect(Self.classify(Self.reply("SIM", headers: "Auto-Submitted: no\n")).kind == .confirm)
    }

    @Test func challengeResponseIsAnAutoReply() {
        let body = "I am using a spam filter. Please confirm your message by clicking the link below so that it is delivered."
        #expect(Self.classify(Self.reply(body, subject: "Please confirm your message")).kind == .autoReply)
    }
}
