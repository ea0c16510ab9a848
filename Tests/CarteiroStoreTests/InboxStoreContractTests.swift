import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

/// What the inbox watcher relies on the store for: a sign-up found by its token, its
/// confirmation's Message-ID or its pending address; one record per mailbox message, even when
/// two watchers race; and one lease holder per mailbox.
@Suite("Inbox storage: sign-ups, processed messages, mailbox cursors — both backends")
struct InboxStoreContractTests {
    @Test(arguments: Backend.allCases)
    func signUpIsFoundByTokenByConfirmationMessageIDAndWhilePendingByAddress(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let contact = try await fixture.store.contacts.insert(try makeContact("Ana.Souza@Example.com", at: fixture.clock.now()))
            var signUp = try SignUp(contactID: contact.id, email: contact.email, source: .form, createdAt: fixture.clock.now())
            signUp = try await fixture.store.signUps.insert(signUp)
            signUp.recordConfirmation(messageID: "c1.\(signUp.token)@carteiro.example")
            signUp = try await fixture.store.signUps.update(signUp)

            #expect(try await fixture.store.signUps.findUnique("token", signUp.token)?.id == signUp.id)
            #expect(try await fixture.store.signUps.findUnique("message", "c1.\(signUp.token)@carteiro.example")?.id == signUp.id)
            #expect(try await fixture.store.signUps.findUnique("pending_email", "ana.souza@example.com")?.id == signUp.id)

            try signUp.answer(.confirmed, at: fixture.clock.now())
            _ = try await fixture.store.signUps.update(signUp)
            #expect(try await fixture.store.signUps.findUnique("pending_email", "ana.souza@example.com") == nil, "answered: no longer pending")
            #expect(try await fixture.store.signUps.findUnique("token", signUp.token)?.status == .confirmed, "its token still finds it")

            // Sign-ups without a recorded confirmation yet do not collide on the missing Message-ID.
            for _ in 0..<2 {
                _ = try await fixture.store.signUps.insert(
                    try SignUp(contactID: contact.id, email: contact.email, source: .chat, createdAt: fixture.clock.now()))
            }
            #expect(try await fixture.store.signUps.count("contact", equals: contact.id.rawValue) == 3)
        }
    }

    @Test(arguments: Backend.allCases)
    func aTokenOrConfirmationMessageIDBelongsToOneSignUp(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let contact = try await fixture.store.contacts.insert(try makeContact("bia@example.com", at: fixture.clock.now()))
            let first = try await fixture.store.signUps.insert(
                try SignUp(contactID: contact.id, email: contact.email, source: .form, createdAt: fixture.clock.now()))
            let sameToken = try SignUp(contactID: contact.id, email: contact.email, source: .form, token: first.token, createdAt: fixture.clock.now())
            await #expect(throws: StoreError.self) { _ = try await fixture.store.signUps.insert(sameToken) }

            var a = first
            a.recordConfirmation(messageID: "same@carteiro.example")
            _ = try await fixture.store.signUps.update(a)
            var b = try await fixture.store.signUps.insert(
                try SignUp(contactID: contact.id, email: contact.email, source: .form, createdAt: fixture.clock.now()))
            b.recordConfirmation(messageID: "same@carteiro.example")
            do {
                _ = try await fixture.store.signUps.update(b)
                Issue.record("a second sign-up took the same confirmation Message-ID")
            } catch let error as StoreError {
                #expect(error.kind == .duplicate)
            }
        }
    }

    /// Two watchers that read the same message both try to record it: exactly one succeeds, and
    /// the other learns it was taken (`duplicate`), so it applies nothing.
    @Test(arguments: Backend.allCases)
    func aMailboxMessageIsRecordedOnceWhenTwoWatchersRace(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let now = fixture.clock.now()
            func record(_ uid: UInt32, uidValidity: UInt32 = 7) -> InboxMessage {
                InboxMessage(
                    mailbox: "cadastro@127.0.0.1:1143/INBOX", uidValidity: uidValidity, uid: uid, messageID: "m\(uid)@example.com",
                    from: "ana@example.com", subject: "Re: Confirme", receivedAt: now, kind: .confirm, replyText: "SIM")
            }
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        do {
                            _ = try await store.inboxMessages.insert(record(42))
                            return true
                        } catch let error as StoreError where error.kind == .duplicate {
                            return false
                        } catch {
                            Issue.record("unexpected \(error)")
                            return false
                        }
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await store.inboxMessages.count() == 1)
            // The same UID under another UIDVALIDITY is another message.
            _ = try await store.inboxMessages.insert(record(42, uidValidity: 8))
            let stored = try #require(try await store.inboxMessages.findUnique("key", InboxMessage.key(mailbox: "cadastro@127.0.0.1:1143/INBOX", uidValidity: 7, uid: 42)))
            #expect(stored.action == .processing)
            #expect(try await store.inboxMessages.count("kind", equals: "confirm") == 2)
        }
    }

    /// Of two watchers taking a mailbox's lease from the same stored cursor, one wins; the other
    /// gets a conflict, reads the cursor again and sees the lease taken.
    @Test(arguments: Backend.allCases)
    func oneWatcherHoldsAMailboxLeaseAtATime(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let now = fixture.clock.now()
            let cursor = try await store.mailboxCursors.insert(MailboxCursor(mailbox: "suporte@127.0.0.1:1143/INBOX"))
            var first = cursor, second = cursor
            let tookFirst = first.lease(to: "watcher-a", at: now, for: 60)
            let tookSecond = second.lease(to: "watcher-b", at: now, for: 60)
            #expect(tookFirst && tookSecond, "each sees the cursor free")
            _ = try await store.mailboxCursors.update(first)
            do {
                _ = try await store.mailboxCursors.update(second)
                Issue.record("both watchers took the lease")
            } catch let error as StoreError {
                #expect(error.kind == .conflict)
            }
            var reread = try #require(try await store.mailboxCursors.findUnique("mailbox", "suporte@127.0.0.1:1143/INBOX"))
            #expect(reread.leaseHolder == "watcher-a")
            let whileRunning = reread.lease(to: "watcher-b", at: now.addingTimeInterval(30), for: 60)
            #expect(!whileRunning, "still running")
            let afterExpiry = reread.lease(to: "watcher-b", at: now.addingTimeInterval(61), for: 60)
            #expect(afterExpiry, "expired: taken over")
            reread.advance(to: 9, under: 3)
            let saved = try await store.mailboxCursors.update(reread)
            #expect(saved.lastSeenUID(under: 3) == 9)
            #expect(saved.lastSeenUID(under: 4) == 0, "a new UIDVALIDITY starts over")
        }
    }
}
