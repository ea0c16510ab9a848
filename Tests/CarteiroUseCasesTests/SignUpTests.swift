import CarteiroDomain
import CarteiroMIME
import CarteiroMail
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import CarteiroUseCases
import Foundation
import Testing

/// Sign-up by reply: the request (a pending contact, one confirmation on the transactional
/// stream, with a token in its Reply-To) and the answer (confirmed or declined with a consent
/// record), on both backends, including the runs that are interrupted or repeated.
@Suite("Sign-ups: request and answer — both backends")
struct SignUpUseCaseTests {
    static let settings = SignUpMailSettings(
        signUpAddress: try! MailAddress("cadastro@loja.example", displayName: "Loja Exemplo"),
        mailFrom: try! MailAddress("contato@loja.example", displayName: "Loja Exemplo"), publicURL: URL(string: "https://loja.example/"))

    /// A sign-up whose confirmation was accepted for sending.
    private func signedUp(_ email: EmailAddress, source: SignUp.Source = .form, in fixture: StoreFixture) async throws -> SignUp {
        let outcome = try await RequestSignUp(store: fixture.store, settings: Self.settings).run(
            .init(email: email, source: source), now: fixture.clock.now())
        guard case .confirmationSent(let id) = outcome else { throw SignUpNotSent(outcome: outcome) }
        return try #require(try await fixture.store.signUps.get(id))
    }

    struct SignUpNotSent: Error { let outcome: RequestSignUp.Outcome }

    private func jobs(_ store: any Store) async throws -> [EmailJob] {
        var all: [EmailJob] = []
        for send in try await store.sends.list(page: try PageRequest(limit: 100)).items {
            all += try await store.emailJobs.jobs(sendID: send.id, page: try PageRequest(limit: 100)).items
        }
        return all
    }

    @Test(arguments: Backend.allCases)
    func aSignUpMakesAPendingContactAndSendsOneTransactionalConfirmationWithTheTokenInItsReplyTo(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let signUps = RequestSignUp(store: store, settings: Self.settings)
            let email = try EmailAddress("Ana.Souza@Example.com")
            let outcome = try await signUps.run(.init(email: email, name: "Ana Souza", locale: "pt-BR", source: .form), now: fixture.clock.now())
            guard case .confirmationSent(let id) = outcome else { Issue.record("\(outcome)"); return }
            let signUp = try #require(try await store.signUps.get(id))
            let contact = try #require(try await store.contacts.find(email: email))
            #expect(contact.status == .pending)
            #expect(contact.name == "Ana Souza")
            #expect(signUp.contactID == contact.id)

            let sent = try await jobs(store)
            #expect(sent.count == 1)
            let job = try #require(sent.first)
            #expect(job.stream == .transactional)
            #expect(job.recipient == email)
            #expect(signUp.confirmationMessageID == MailComposer.messageID(for: job.id, domain: "loja.example"))
            let send = try #require(try await store.sends.get(job.sendID))
            #expect(send.replyTo?.canonical == "cadastro+\(signUp.token)@loja.example")
            #expect(send.subject == "Confirme seu cadastro")
            #expect(job.variables["link"] == "https://loja.example/confirm/\(signUp.token)")
            #expect(Self.settings.token(in: "Cadastro+\(signUp.token)@LOJA.example") == signUp.token)

            let events = try await store.events.read(after: 0, limit: 100)
            #expect(events.filter { $0.kind == .contactSignedUp }.count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func theSameAddressTwiceWithinAMinuteSendsOneConfirmationAndLaterANewOneReplacesIt(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let signUps = RequestSignUp(store: store, settings: Self.settings)
            let request = RequestSignUp.Request(email: try EmailAddress("bia@example.com"), source: .form)
            let first = try await signUps.run(request, now: fixture.clock.now())
            fixture.clock.advance(by: .seconds(20))
            let second = try await signUps.run(request, now: fixture.clock.now())
            guard case .confirmationSent(let firstID) = first, case .confirmationRecentlySent(let secondID) = second else {
                Issue.record("\(first), \(second)")
                return
            }
            #expect(firstID == secondID)
            #expect(try await jobs(store).count == 1)

            fixture.clock.advance(by: .seconds(60))
            guard case .confirmationSent(let thirdID) = try await signUps.run(request, now: fixture.clock.now()) else {
                Issue.record("no new confirmation after the window")
                return
            }
            #expect(thirdID != firstID)
            #expect(try await jobs(store).count == 2)
            #expect(try await store.signUps.get(firstID)?.status == .superseded, "the old token no longer confirms")
        }
    }

    /// A sign-up stored without its confirmation (the process stopped in between) is replaced by
    /// the next request at once: the person is never left without an email.
    @Test(arguments: Backend.allCases)
    func aSignUpWhoseConfirmationWasNeverSentIsReplacedByTheNextRequestAtOnce(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let email = try EmailAddress("caio@example.com")
            let contact = try await store.contacts.insert(try Contact(email: email, createdAt: fixture.clock.now()))
            let orphan = try await store.signUps.insert(try SignUp(contactID: contact.id, email: email, source: .chat, createdAt: fixture.clock.now()))
            let outcome = try await RequestSignUp(store: store, settings: Self.settings).run(.init(email: email, source: .chat), now: fixture.clock.now())
            guard case .confirmationSent(let id) = outcome else { Issue.record("\(outcome)"); return }
            #expect(id != orphan.id)
            #expect(try await jobs(store).count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func aReplyConfirmsWithAConsentRecordAndAnsweringAgainChangesNothing(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let email = try EmailAddress("davi@example.com")
            let stored = try await signedUp(email, source: .email, in: fixture)
            let id = stored.id
            let answers = AnswerSignUp(store: store)
            // Matched by token, by the confirmation's Message-ID, and by the sender.
            #expect(try await answers.match(tokens: [stored.token], referencedMessageIDs: [], sender: nil)?.id == id)
            #expect(try await answers.match(tokens: [], referencedMessageIDs: ["x@y", stored.confirmationMessageID!], sender: nil)?.id == id)
            #expect(try await answers.match(tokens: [], referencedMessageIDs: [], sender: email)?.id == id)
            #expect(try await answers.match(tokens: ["a" + String(repeating: "b", count: 31)], referencedMessageIDs: [], sender: nil) == nil)

            let evidence = AnswerSignUp.Evidence(method: .emailReply, reference: "r1@mail.example", text: "SIM")
            let outcome = try await answers.run(stored, .confirm, evidence: evidence, now: fixture.clock.now())
            #expect(outcome == .confirmed(stored.contactID))
            let contact = try #require(try await store.contacts.get(stored.contactID))
            #expect(contact.status == .confirmed)
            #expect(contact.consent?.method == .emailReply)
            #expect(contact.consent?.evidence == "r1@mail.example")
            #expect(contact.consent?.text == "SIM")

            let again = try await answers.run(stored, .decline, evidence: evidence, now: fixture.clock.now())
            #expect(again == .alreadyAnswered(id, .confirmed))
            #expect(try await store.contacts.get(stored.contactID)?.status == .confirmed)
            #expect(try await answers.match(tokens: [], referencedMessageIDs: [], sender: email) == nil, "nothing pending any more")
            let events = try await store.events.read(after: 0, limit: 100)
            #expect(events.filter { $0.kind == .contactConfirmed }.count == 1)
        }
    }

    /// The watcher stopped after confirming the contact and before marking the sign-up: the run
    /// again completes the sign-up without a second confirmation event.
    @Test(arguments: Backend.allCases)
    func anAnswerInterruptedAfterTheContactIsFinishedWithoutASecondEvent(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let email = try EmailAddress("eva@example.com")
            let signUp = try await signedUp(email, in: fixture)
            let id = signUp.id
            var contact = try #require(try await store.contacts.get(signUp.contactID))
            try contact.move(to: .declined, at: fixture.clock.now())
            _ = try await store.contacts.update(
                contact,
                events: [DomainEvent(occurredAt: fixture.clock.now(), payload: .contactDeclined(.init(contactID: contact.id, email: email, evidence: "r2")))])

            let outcome = try await AnswerSignUp(store: store).run(
                signUp, .decline, evidence: .init(method: .emailReply, reference: "r2", text: "NÃO"), now: fixture.clock.now())
            #expect(outcome == .declined(contact.id))
            #expect(try await store.signUps.get(id)?.status == .declined)
            let events = try await store.events.read(after: 0, limit: 100)
            #expect(events.filter { $0.kind == .contactDeclined }.count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func aContactWhoDeclinedMaySignUpAgainButOneWhoComplainedMayNot(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let signUps = RequestSignUp(store: store, settings: Self.settings)
            let declined = try EmailAddress("fabio@example.com")
            let signUp = try await signedUp(declined, in: fixture)
            _ = try await AnswerSignUp(store: store).run(signUp, .decline, evidence: .init(method: .emailReply, reference: "r3"), now: fixture.clock.now())
            #expect(try await store.contacts.find(email: declined)?.status == .declined)
            fixture.clock.advance(by: .seconds(3_600))
            let again = try await signUps.run(.init(email: declined, source: .chat), now: fixture.clock.now())
            guard case .confirmationSent = again else { Issue.record("\(again)"); return }
            #expect(try await store.contacts.find(email: declined)?.status == .pending)

            let complained = try EmailAddress("gil@example.com")
            var contact = try Contact(email: complained, createdAt: fixture.clock.now())
            try contact.move(to: .complained, at: fixture.clock.now())
            _ = try await store.contacts.insert(contact)
            let refused = try await signUps.run(.init(email: complained, source: .form), now: fixture.clock.now())
            guard case .refused = refused else { Issue.record("\(refused)"); return }
            #expect(try await jobs(store).count == 2, "nothing sent to the address that complained")
        }
    }
}
