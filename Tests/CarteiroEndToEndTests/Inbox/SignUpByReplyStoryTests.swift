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

    @Test(arguments: Backend.allCases)
    func aFormSignUpIsConfirmedByReplyingToItsEmail(_ backend: Backend) async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let dovecot = try await Dovecot.start(users: ["cadastro": "s3nha"])
        defer { dovecot.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let mongo = backend == .mongodb ? try await MongoWireServer.start() : nil
        defer { mongo?.stop() }
        let store = ["--data-dir", folder.path] + (mongo.map { ["--store", $0.uri] } ?? [])
        // nx-27017 fails inserts into a collection with a compound {field, _id} index (MongoDB does not).
        let environment = mongo == nil ? [:] : ["CARTEIRO_MONGO_COMPOUND_INDEXES": "0"]
        let created = try await CarteiroProcess.run(["token", "create", "--name", "ops", "--scope", "admin"] + store, environment: environment)
        #expect(created.exitCode == 0, "\(created.standardError)")
        let api = LiveAPI(port: try freeLoopbackPort(), token: created.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        let arguments =
            [
                "serve", "--roles", "api,worker,inbox", "--port", "\(api.port)", "--relay", sink.url,
                "--signup-address", "Loja Exemplo <cadastro@loja.example>", "--mail-from", "Loja Exemplo <contato@loja.example>",
                "--public-url", "http://127.0.0.1:\(api.port)", "--inbox", dovecot.url(user: "cadastro", password: "s3nha"),
                "--inbox-interval", "200ms",
            ] + store
        var server = try CarteiroProcess(arguments, environment: environment)
        defer { server.signal(SIGKILL) }
        try await api.waitUntilHealthy(server)

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
        for message in [anaReply, biaAutoReply] {
            try dovecot.deliver(Array(message.replacingOccurrences(of: "\n", with: "\r\n").utf8), user: "cadastro")
        }

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
