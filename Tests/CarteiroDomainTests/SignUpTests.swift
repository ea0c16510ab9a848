import CarteiroDomain
import Foundation
import Testing

@Suite struct SignUpTests {
    @Test func tokensAreLowercaseBase32OfOneHundredSixtyBitsAndDiffer() {
        let tokens = (0..<200).map { _ in SignUp.newToken() }
        #expect(Set(tokens).count == 200)
        for token in tokens {
            #expect(SignUp.isToken(token), "\(token)")
            #expect(token == token.lowercased())
        }
        #expect(!SignUp.isToken("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), "a token is lowercase")
        #expect(!SignUp.isToken("abcdefghijklmnopqrstuvwxyz23456"), "31 letters")
        #expect(!SignUp.isToken("abcdefghijklmnopqrstuvwxyz234561"), "1 is not in the alphabet")
    }

    @Test func aSignUpIsAnsweredOnce() throws {
        var signUp = try SignUp(contactID: ContactID(), email: try EmailAddress("ana@example.com"), source: .chat, createdAt: Date())
        try signUp.answer(.confirmed, at: Date())
        #expect(signUp.status == .confirmed)
        #expect(throws: TransitionError.self) { try signUp.answer(.declined, at: Date()) }
    }

    @Test func aContactWhoDeclinedIsSuppressedAndMaySignUpAgain() throws {
        var contact = try Contact(email: try EmailAddress("ana@example.com"), createdAt: Date())
        try contact.move(to: .declined, at: Date())
        #expect(contact.status.isSuppressed)
        try contact.move(to: .pending, at: Date())
        try contact.confirm(.init(at: Date(), method: .emailReply, evidence: "<r1@example.com>", text: "SIM"))
        #expect(contact.status == .confirmed)
        #expect(contact.consent?.text == "SIM")
        #expect(throws: TransitionError.self) { try contact.move(to: .declined, at: Date()) }
    }

    @Test func aMailboxCursorStartsOverWhenUIDValidityChanges() {
        var cursor = MailboxCursor(mailbox: "a@h:1/INBOX")
        #expect(cursor.lastSeenUID(under: 5) == 0)
        cursor.advance(to: 12, under: 5)
        cursor.advance(to: 10, under: 5)
        #expect(cursor.lastSeenUID(under: 5) == 12, "never goes back")
        cursor.advance(to: 3, under: 6)
        #expect(cursor.lastSeenUID(under: 6) == 3)
        #expect(cursor.lastSeenUID(under: 5) == 0)
    }
}
