import CarteiroDomain
import CarteiroInbox
import CarteiroMIME
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import CarteiroUseCases
import CurlKit
import Foundation
import Logging
import Testing

/// The inbox watcher against a real Dovecot, on both stores: replies confirm sign-ups, machine
/// mail never does, bounces suppress, and every message is handled once, across restarts, two
/// watchers and a UIDVALIDITY change.
@Suite("Inbox watcher against Dovecot — both backends", .serialized)
struct InboxWatcherTests {
    static let settings = SignUpMailSettings(
        signUpAddress: try! MailAddress("cadastro@loja.example"), mailFrom: try! MailAddress("contato@loja.example", displayName: "Loja"),
        publicURL: nil)
    static let mailbox = "Cadastros"

    struct Setup {
        let dovecot: Dovecot
        let fixture: StoreFixture
        let url: URL

        func watcher(holder: String) -> MailboxWatcher {
            MailboxWatcher(
                url: url, store: fixture.store, actions: InboxActions(store: fixture.store, signUps: InboxWatcherTests.settings),
                signUpAddress: "cadastro@loja.example", holder: holder, leaseDuration: 60, logger: Logger(label: "test.inbox"))
        }

        func deliver(_ text: String) throws {
            try dovecot.deliver(Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8), user: "cadastro", mailbox: InboxWatcherTests.mailbox)
        }

        func contact(_ email: String) async throws -> Contact? { try await fixture.store.contacts.find(email: try EmailAddress(email)) }

        func signUp(_ email: String) async throws -> SignUp {
            guard case .confirmationSent(let id) = try await RequestSignUp(store: fixture.store, settings: InboxWatcherTests.settings).run(
                .init(email: try EmailAddress(email), source: .form))
            else { throw CancellationError() }
            return try await fixture.store.signUps.get(id)!
        }
    }

    private func with(_ backend: Backend, _ body: (Setup) async throws -> Void) async throws {
        let dovecot = try await Dovecot.start(users: ["cadastro": "s3nha"])
        defer { dovecot.stop() }
        try dovecot.createMailbox(Self.mailbox, user: "cadastro")
        try await StoreFixture.with(backend) { fixture in
            let url = URL(string: dovecot.url(user: "cadastro", password: "s3nha", mailbox: Self.mailbox))!
            try await body(Setup(dovecot: dovecot, fixture: fixture, url: url))
        }
    }

    static func reply(from: String, to: String, inReplyTo: String?, body: String, id: String, extraHeaders: String = "") -> String {
        """
        From: \(from)
        To: \(to)
        Subject: Re: Confirme seu cadastro
        Date: Mon, 07 Dec 2026 10:00:00 -0300
        Message-ID: <\(id)>
        \(inReplyTo.map { "In-Reply-To: <\($0)>\n" } ?? "")\(extraHeaders)MIME-Version: 1.0
        Content-Type: text/plain; charset=utf-8

        \(body)
        """
    }

    static func bounce(for recipient: String, id: String) -> String {
        """
        From: Mail Delivery System <MAILER-DAEMON@mx.loja.example>
        To: contato@loja.example
        Subject: Undelivered Mail Returned to Sender
        Date: Mon, 07 Dec 2026 10:00:00 -0300
        Message-ID: <\(id)>
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="B"

        --B
        Content-Type: text/plain

        I'm sorry to have to inform you that your message could not be delivered.

        --B
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.loja.example

        Final-Recipient: rfc822; \(recipient)
        Action: failed
        Status: 5.1.1
        Diagnostic-Code: smtp; 550 5.1.1 <\(recipient)>: Recipient address rejected: User unknown in virtual mailbox table

        --B--
        """
    }

    @Test(arguments: Backend.allCases)
    func aReplyConfirmsMachineMailNeverDoesABounceSuppressesAndEachIsFiledOnce(_ backend: Backend) async throws {
        try await with(backend) { setup in
            let ana = try await setup.signUp("ana@exemplo.com.br")
            let bia = try await setup.signUp("bia@exemplo.com.br")
            var carlos = try Contact(email: try EmailAddress("carlos@exemplo.com.br"), createdAt: Date())
            try carlos.confirm(.init(at: Date(), method: .api, evidence: "test"))
            _ = try await setup.fixture.store.contacts.insert(carlos)

            try setup.deliver(
                Self.reply(
                    from: "Ana Souza <ana@exemplo.com.br>", to: "cadastro+\(ana.token)@loja.example", inReplyTo: ana.confirmationMessageID,
                    body: "SIM\n\nEm seg., 7 de dez. de 2026 às 09:00, Loja <contato@loja.example> escreveu:\n> Para cancelar, responda NÃO.",
                    id: "r1@exemplo.com.br"))
            try setup.deliver(
                Self.reply(
                    from: "bia@exemplo.com.br", to: "cadastro+\(bia.token)@loja.example", inReplyTo: bia.confirmationMessageID,
                    body: "Estou fora do escritório. SIM, respondo na volta.", id: "a1@exemplo.com.br",
                    extraHeaders: "Auto-Submitted: auto-replied\n"))
            try setup.deliver(Self.bounce(for: "carlos@exemplo.com.br", id: "b1@mx.loja.example"))

            let sendsBefore = try await setup.fixture.store.sends.count()
            let pass = try await setup.watcher(holder: "w1").poll()
            #expect(pass == .init(leased: true, processed: 3, failed: 0))

            let confirmed = try #require(try await setup.contact("ana@exemplo.com.br"))
            #expect(confirmed.status == .confirmed)
            #expect(confirmed.consent?.method == .emailReply)
            #expect(confirmed.consent?.evidence == "r1@exemplo.com.br")
            #expect(confirmed.consent?.text == "SIM")
            #expect(try await setup.contact("bia@exemplo.com.br")?.status == .pending, "an auto-reply confirms nothing")
            #expect(try await setup.contact("carlos@exemplo.com.br")?.status == .bounced)
            #expect(try await setup.fixture.store.sends.count() == sendsBefore, "nothing answers machine mail")

            #expect(try setup.dovecot.uids(user: "cadastro", mailbox: Self.mailbox).isEmpty, "every message left the mailbox")
            let filed = try setup.dovecot.uids(user: "cadastro", mailbox: MailboxWatcher.processedMailbox)
            #expect(filed.count == 3, "nothing deleted: all in Processed")
            for uid in filed {
                #expect(try setup.dovecot.flags(user: "cadastro", mailbox: MailboxWatcher.processedMailbox, uid: uid)?.contains("\\Seen") == true)
            }
            let records = try await setup.fixture.store.inboxMessages.list(page: try PageRequest(limit: 10)).items
            #expect(Set(records.map(\.kind)) == [.confirm, .autoReply, .bounce])
            #expect(Set(records.map(\.action)) == [.confirmed, .ignored, .bounced])

            // A restarted watcher (another holder, once the first one's lease ran out) finds nothing new.
            let restarted = try await setup.watcher(holder: "w2").poll(now: { Date().addingTimeInterval(120) })
            #expect(restarted == .init(leased: true, processed: 0, failed: 0))
            let events = try await setup.fixture.store.events.read(after: 0, limit: 500)
            #expect(events.filter { $0.kind == .contactConfirmed }.count == 1)
            #expect(try await setup.fixture.store.inboxMessages.count() == 3)
        }
    }

    @Test(arguments: Backend.allCases)
    func twoWatchersOnOneMailboxHandleEachMessageOnce(_ backend: Backend) async throws {
        try await with(backend) { setup in
            var expected: [String] = []
            for index in 0..<4 {
                let signUp = try await setup.signUp("p\(index)@exemplo.com.br")
                try setup.deliver(
                    Self.reply(
                        from: "p\(index)@exemplo.com.br", to: "cadastro+\(signUp.token)@loja.example", inReplyTo: nil,
                        body: index % 2 == 0 ? "Sim" : "Não, obrigado", id: "m\(index)@exemplo.com.br"))
                expected.append("p\(index)@exemplo.com.br")
            }
            let first = setup.watcher(holder: "a")
            let second = setup.watcher(holder: "b")
            async let one = first.poll()
            async let two = second.poll()
            let passes = try await [one, two]
            #expect(passes.map(\.processed).reduce(0, +) == 4, "\(passes)")
            #expect(passes.filter(\.leased).count == 1, "one watcher holds the lease")
            #expect(try await setup.fixture.store.inboxMessages.count() == 4)
            for (index, email) in expected.enumerated() {
                #expect(try await setup.contact(email)?.status == (index % 2 == 0 ? .confirmed : .declined), "\(email)")
            }
            await first.shutdown()
            await second.shutdown()
        }
    }

    @Test(arguments: Backend.allCases)
    func aNewUIDValidityIsReadFromTheStartAndAnUnsubscribeWorks(_ backend: Backend) async throws {
        try await with(backend) { setup in
            let dina = try await setup.signUp("dina@exemplo.com.br")
            try setup.deliver(
                Self.reply(
                    from: "dina@exemplo.com.br", to: "cadastro+\(dina.token)@loja.example", inReplyTo: nil, body: "sim", id: "d1@exemplo.com.br"))
            let watcher = setup.watcher(holder: "w")
            #expect(try await watcher.poll().processed == 1)
            let before = try setup.dovecot.status(user: "cadastro", mailbox: Self.mailbox).uidValidity

            try setup.dovecot.recreateMailbox(Self.mailbox, user: "cadastro")
            #expect(try setup.dovecot.status(user: "cadastro", mailbox: Self.mailbox).uidValidity != before)
            try setup.deliver(
                Self.reply(from: "dina@exemplo.com.br", to: "cadastro@loja.example", inReplyTo: nil, body: "STOP", id: "d2@exemplo.com.br"))
            let pass = try await watcher.poll()
            #expect(pass.processed == 1, "UID 1 again, under the new UIDVALIDITY, is a new message")
            #expect(try await setup.contact("dina@exemplo.com.br")?.status == .unsubscribed)
            let cursor = try #require(try await setup.fixture.store.mailboxCursors.findUnique("mailbox", watcher.mailbox))
            #expect(cursor.uidValidity == (try setup.dovecot.status(user: "cadastro", mailbox: Self.mailbox).uidValidity))
            await watcher.shutdown()
        }
    }

    @Test(arguments: Backend.allCases)
    func aQuestionBecomesAWaitingConversationAndAMessageWhoseEffectsKeepFailingGoesToFailed(_ backend: Backend) async throws {
        try await with(backend) { setup in
            let watcher = setup.watcher(holder: "w")
            // A support address delivered into this mailbox: a message to it that is not a reply
            // to a sign-up is a question (one to the sign-up address would be a sign-up).
            // UID 1: as if its effects had failed on four earlier passes (recorded, never finished).
            let status = try setup.dovecot.status(user: "cadastro", mailbox: Self.mailbox)
            var stuck = InboxMessage(
                mailbox: watcher.mailbox, uidValidity: status.uidValidity, uid: 1, messageID: "stuck@exemplo.com.br", from: "eva@exemplo.com.br",
                subject: "?", receivedAt: Date(), kind: .other, replyText: "?")
            for _ in 1..<InboxMessage.maximumAttempts { stuck.countAttempt() }
            _ = try await setup.fixture.store.inboxMessages.insert(stuck)
            try setup.deliver(Self.reply(from: "eva@exemplo.com.br", to: "cadastro@loja.example", inReplyTo: nil, body: "?", id: "stuck@exemplo.com.br"))
            try setup.deliver(
                """
                From: Bruno Lima <bruno@exemplo.com.br>
                To: Suporte <suporte@loja.example>
                Subject: Dúvida sobre o plano
                Date: Mon, 07 Dec 2026 10:00:00 -0300
                Message-ID: <duvida-1@exemplo.com.br>
                Content-Type: text/plain; charset=utf-8

                Olá, o plano de 300 mega tem fidelidade?

                Enviado do meu iPhone
                """)
            let pass = try await watcher.poll()
            #expect(pass == .init(leased: true, processed: 1, failed: 1))
            #expect(try setup.dovecot.uids(user: "cadastro", mailbox: MailboxWatcher.failedMailbox).count == 1)
            let records = try await setup.fixture.store.inboxMessages.list(page: try PageRequest(limit: 10)).items
            #expect(records.first { $0.uid == 1 }?.action == .failed)

            let question = try #require(records.first { $0.uid == 2 })
            #expect(question.kind == .other)
            #expect(question.action == .conversation)
            let conversations = try await setup.fixture.store.conversations.find(
                "status", equals: Conversation.Status.waitingAgent.rawValue, page: try PageRequest(limit: 10)).items
            #expect(conversations.count == 1)
            let conversation = try #require(conversations.first)
            #expect(conversation.channel == Conversation.emailChannel)
            #expect(conversation.customerName == "Bruno Lima")
            #expect(conversation.emailThread?.supportAddress == "suporte@loja.example")
            let first = try await setup.fixture.store.chatMessages.messages(in: conversation.id, after: 0, limit: 5).first
            #expect(first?.text == "Dúvida sobre o plano\n\nOlá, o plano de 300 mega tem fidelidade?", "without the device footer")
            await watcher.shutdown()
        }
    }
}
