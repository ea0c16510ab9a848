import CarteiroMIME
import CarteiroTesting
import Foundation
import Testing

/// The whole sign-up by reply, as an operator runs it: `carteiro serve --roles api,worker,inbox`
/// with a real SMTP sink and a real Dovecot. A form sign-up's confirmation reaches the sink; the
/// person's reply, delivered into Dovecot, confirms the contact (read through the API, as an
/// operator would); an auto-reply confirms nothing and is never answered; a restart processes
/// nothing twice.
@Suite("Sign-up by reply, end to end", .serialized, .timeLimit(.minutes(5)))
struct SignUpByReplyStoryTests {
    enum Backend: String, CaseIterable, Sendable { case sqlite, mongodb }

    /// The peers and the `serve` process of one story: an SMTP sink for what Carteiro sends, a
    /// Dovecot whose `cadastro` mailbox Carteiro reads, and a store of `backend`.
    struct Stage {
        let sink: SMTPSink.Scripted
        let dovecot: Dovecot
        let api: LiveAPI
        let store: [String]
        let environment: [String: String]
        let arguments: [String]

        func deliver(_ message: String) throws {
            try dovecot.deliver(Array(message.replacingOccurrences(of: "\n", with: "\r\n").utf8), user: "cadastro")
        }

        let live: LiveStore

        func token(name: String, scope: String) async throws -> String { try await live.token(name: name, scope: scope) }
    }

    private func withStage(_ backend: Backend, roles: String, extra: [String] = [], _ body: (Stage, inout CarteiroProcess) async throws -> Void)
        async throws
    {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let dovecot = try await Dovecot.start(users: ["cadastro": "s3nha"])
        defer { dovecot.stop() }
        let live = try await LiveStore.start(mongodb: backend == .mongodb)
        defer { live.stop() }
        let (store, environment) = (live.arguments, live.environment)
        let api = LiveAPI(port: try freeLoopbackPort(), token: try await live.token(name: "ops", scope: "admin"))
        let arguments =
            [
                "serve", "--roles", roles, "--port", "\(api.port)", "--relay", sink.url,
                "--signup-address", "Loja Exemplo <cadastro@loja.example>", "--mail-from", "Loja Exemplo <contato@loja.example>",
                "--public-url", "http://127.0.0.1:\(api.port)", "--inbox", dovecot.url(user: "cadastro", password: "s3nha"),
                "--inbox-interval", "200ms",
            ] + store + extra
        var server = try CarteiroProcess(arguments, environment: environment)
        defer { server.signal(SIGKILL) }
        try await api.waitUntilHealthy(server)
        let stage = Stage(sink: sink, dovecot: dovecot, api: api, store: store, environment: environment, arguments: arguments, live: live)
        try await body(stage, &server)
    }

    @Test(arguments: Backend.allCases)
    func aFormSignUpIsConfirmedByReplyingToItsEmail(_ backend: Backend) async throws {
        try await withStage(backend, roles: "api,worker,inbox") { stage, server in
            let (sink, dovecot, api, environment, arguments) = (stage.sink, stage.dovecot, stage.api, stage.environment, stage.arguments)
            // 1. Two sign-ups by form; their confirmations reach the sink.
            for email in ["Ana Souza <ana@exemplo.com.br>", "bia@exemplo.com.br"] {
                let answer = try await api.send("POST", "signups", json: ["email": email])
                #expect(answer.status == 202, "\(answer.body)")
            }
            let confirmations = try await waitFor("two confirmations in the sink") { sink.messages().count >= 2 ? sink.messages() : nil }
            func confirmation(to address: String) throws -> ParsedMessage {
                let message = try #require(confirmations.first { $0.recipients.map { $0.lowercased() }.contains(address) })
                return ParsedMessage.parse(message.data)
            }
            let toAna = try confirmation(to: "ana@exemplo.com.br")
            #expect(toAna.subject == "Confirme seu cadastro")
            let replyTo = try #require(toAna.replyTo.first?.address)
            #expect(replyTo.hasPrefix("cadastro+"), "\(replyTo)")
            #expect(toAna.textBody?.contains("http://127.0.0.1:\(api.port)/confirm/") == true)
            #expect(try await contactStatus("ana@exemplo.com.br", api) == "pending")

            // 2. Ana replies from her mail client; Bia's program answers automatically.
            let anaReply = """
                From: Ana Souza <ana@exemplo.com.br>
                To: \(replyTo)
                Subject: Re: Confirme seu cadastro
                Date: Mon, 07 Dec 2026 10:00:00 -0300
                Message-ID: <reply-ana@exemplo.com.br>
                In-Reply-To: <\(toAna.messageID ?? "")>
                Content-Type: text/plain; charset=utf-8

                Sim, quero!

                Em seg., 7 de dez. de 2026 às 09:58, Loja Exemplo <contato@loja.example> escreveu:
                > Para cancelar, responda NÃO.
                """
            let toBia = try confirmation(to: "bia@exemplo.com.br")
            let biaAutoReply = """
                From: bia@exemplo.com.br
                To: \(toBia.replyTo.first?.address ?? "cadastro@loja.example")
                Subject: Resposta automática: Confirme seu cadastro
                Date: Mon, 07 Dec 2026 10:00:01 -0300
                Message-ID: <auto-bia@exemplo.com.br>
                Auto-Submitted: auto-replied
                Content-Type: text/plain; charset=utf-8

                Estou de férias até janeiro. Sim, respondo depois.
                """
            for message in [anaReply, biaAutoReply] { try stage.deliver(message) }

            // 3. The contact is confirmed; the auto-reply changed nothing and got no answer.
            _ = try await waitFor("ana confirmed") { try await contactStatus("ana@exemplo.com.br", api) == "confirmed" ? true : nil }
            _ = try await waitFor("both messages filed") { try dovecot.uids(user: "cadastro", mailbox: "Processed").count == 2 ? true : nil }
            #expect(try await contactStatus("bia@exemplo.com.br", api) == "pending")
            #expect(sink.messages().count == 2, "nothing answers an auto-reply")
            let review = try await api.send("GET", "inbox/messages")
            let kinds = (review.json["items"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }.sorted()
            #expect(kinds == ["auto_reply", "confirm"], "\(review.body)")

            // 4. A restart reads nothing twice.
            server.signal(SIGTERM)
            _ = try await server.waitForExit(timeout: .seconds(20))
            server = try CarteiroProcess(arguments, environment: environment)
            try await api.waitUntilHealthy(server)
            try await Task.sleep(for: .seconds(1))
            let after = try await api.send("GET", "inbox/messages")
            #expect((after.json["items"] as? [[String: Any]])?.count == 2, "\(after.body)")
            #expect(sink.messages().count == 2)
        }
    }

    /// The chat role beside the inbox: a sign-up in the chat is confirmed by reply, and a
    /// question by email is answered by an agent over the agents' WebSocket, by email, threaded;
    /// the customer's reply to that answer reaches the agent in the same conversation.
    @Test(arguments: Backend.allCases)
    func aChatSignUpIsConfirmedByReplyAndAnEmailQuestionMakesTheRoundTripThroughAnAgent(_ backend: Backend) async throws {
        try await withStage(backend, roles: "api,chat,worker,inbox", extra: ["--bot", try ChatServer.botFile]) { stage, _ in
            let (sink, api) = (stage.sink, stage.api)
            let chatURL = "ws://127.0.0.1:\(api.port)/chat"
            let agentURL = "ws://127.0.0.1:\(api.port)/agent"

            // 1. A sign-up in the chat: the bot says it sent the email once the confirmation is queued.
            let chat = try await PythonChatClient.run("converse", [chatURL, "Joana Silva", "quero me cadastrar", "joana.silva@exemplo.com.br"])
            let replies = chat["replies"] as? [String] ?? []
            #expect(replies.last?.contains("joana.silva@exemplo.com.br") == true, "\(chat)")
            let confirmation = try await waitFor("the chat sign-up's confirmation") {
                sink.messages().first { $0.recipients.contains("joana.silva@exemplo.com.br") }.map { ParsedMessage.parse($0.data) }
            }
            try stage.deliver(
                """
                From: Joana Silva <joana.silva@exemplo.com.br>
                To: \(confirmation.replyTo.first?.address ?? "")
                Subject: Re: \(confirmation.subject ?? "")
                Date: Mon, 07 Dec 2026 11:00:00 -0300
                Message-ID: <reply-joana@exemplo.com.br>
                In-Reply-To: <\(confirmation.messageID ?? "")>
                Content-Type: text/plain; charset=utf-8

                SIM
                """)
            _ = try await waitFor("joana confirmed") { try await contactStatus("joana.silva@exemplo.com.br", api) == "confirmed" ? true : nil }

            // 2. A question by email to the support address; an agent answers it on the WebSocket.
            let agentToken = try await stage.token(name: "Ana", scope: "agent")
            try stage.deliver(
                """
                From: Bruno Lima <bruno@exemplo.com.br>
                To: Suporte Loja <suporte@loja.example>
                Subject: Dúvida sobre a fatura
                Date: Mon, 07 Dec 2026 11:05:00 -0300
                Message-ID: <pergunta-bruno@exemplo.com.br>
                Content-Type: text/plain; charset=utf-8

                Olá, minha fatura de novembro veio com valor dobrado. Podem verificar?

                Enviado do meu iPhone
                """)
            async let agentSide = PythonChatClient.run(
                "email-agent", [agentURL, agentToken, "bruno@exemplo.com.br", "Olá Bruno, já corrigimos a fatura. Confere?"], timeout: .seconds(120))
            let answer = try await waitFor("the agent's answer by email", timeout: .seconds(60)) {
                sink.messages().first { $0.recipients.contains("bruno@exemplo.com.br") }.map { ParsedMessage.parse($0.data) }
            }
            #expect(answer.subject == "Re: Dúvida sobre a fatura")
            #expect(answer.inReplyTo == "pergunta-bruno@exemplo.com.br")
            #expect(answer.references == ["pergunta-bruno@exemplo.com.br"])
            #expect(answer.replyTo.first?.address == "suporte@loja.example")
            #expect(answer.from.first?.address == "contato@loja.example")
            #expect(answer.headers.value(for: "Auto-Submitted") == nil)
            #expect(answer.textBody?.contains("Olá Bruno, já corrigimos a fatura. Confere?") == true)

            // 3. Bruno replies from his mail client; the agent sees only what he typed.
            try stage.deliver(
                """
                From: Bruno Lima <bruno@exemplo.com.br>
                To: suporte@loja.example
                Subject: Re: Dúvida sobre a fatura
                Date: Mon, 07 Dec 2026 11:20:00 -0300
                Message-ID: <resposta-bruno@exemplo.com.br>
                In-Reply-To: <\(answer.messageID ?? "")>
                References: <pergunta-bruno@exemplo.com.br> <\(answer.messageID ?? "")>
                Content-Type: text/plain; charset=utf-8

                Conferi, está certo agora. Obrigado!

                Em seg., 7 de dez. de 2026 às 11:10, Loja Exemplo <contato@loja.example> escreveu:
                > Olá Bruno, já corrigimos a fatura. Confere?
                """)
            let agent = try await agentSide
            #expect(agent["error"] == nil, "\(agent)")
            #expect(agent.object("waiting")["channel"] as? String == "email")
            let history = (agent.object("history")["messages"] as? [[String: Any]])?.compactMap { $0["text"] as? String } ?? []
            #expect(history.first == "Dúvida sobre a fatura\n\nOlá, minha fatura de novembro veio com valor dobrado. Podem verificar?", "\(history)")
            #expect(agent.object("reply")["text"] as? String == "Conferi, está certo agora. Obrigado!", "\(agent)")
            #expect(agent.object("reply")["conversation_id"] as? String == agent.object("waiting")["conversation_id"] as? String)
            #expect(sink.messages().filter { $0.recipients.contains("bruno@exemplo.com.br") }.count == 1, "one answer, mailed once")

            let review = try await api.send("GET", "inbox/messages")
            let actions = (review.json["items"] as? [[String: Any]])?.compactMap { $0["action"] as? String }.sorted()
            #expect(actions == ["confirmed", "conversation", "conversation"], "\(review.body)")
        }
    }

    private func contactStatus(_ email: String, _ api: LiveAPI) async throws -> String? {
        let answer = try await api.send("GET", "contacts?email=\(email)")
        return ((answer.json["items"] as? [[String: Any]])?.first)?["status"] as? String
    }

    private func waitFor<T>(_ what: String, timeout: Duration = .seconds(30), _ probe: () async throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = try await probe() { return value }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CarteiroProcess.TimedOut(what: what)
    }
}
