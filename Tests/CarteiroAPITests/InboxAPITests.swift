import CarteiroAPI
import CarteiroDomain
import CarteiroStoreTesting
import Foundation
import HTTPTypes
import Testing

/// `GET /api/v1/inbox/messages` and `POST …/reclassify`: what the watcher did is reviewable, and
/// a misread bounce is undone.
@Suite struct InboxAPITests {
    /// A confirmed contact that a misread message made `bounced`, as the watcher records it.
    private func misreadBounce(_ store: any Store) async throws -> (Contact, InboxMessage) {
        var contact = try Contact(email: try EmailAddress("ana@exemplo.com.br"), createdAt: Date())
        try contact.confirm(.init(at: Date(), method: .emailReply, evidence: "r1@exemplo.com.br", text: "SIM"))
        contact = try await store.contacts.insert(contact)
        var bounced = contact
        try bounced.move(to: .bounced, at: Date())
        _ = try await store.contacts.update(bounced)
        var message = InboxMessage(
            mailbox: "cadastro@127.0.0.1:1143/INBOX", uidValidity: 5, uid: 9, messageID: "x@mx.example", from: "postmaster@mx.example",
            subject: "Delivery delayed", receivedAt: Date(), kind: .bounce, replyText: nil)
        message.record(.bounced, contactID: contact.id, detail: "ana@exemplo.com.br 5.1.1 bounced", contactStatusBefore: .confirmed)
        message = try await store.inboxMessages.insert(message)
        _ = try await store.inboxMessages.insert(
            InboxMessage(
                mailbox: "cadastro@127.0.0.1:1143/INBOX", uidValidity: 5, uid: 10, messageID: nil, from: "bot@example.com", subject: "Auto",
                receivedAt: Date(), kind: .autoReply, replyText: nil))
        return (contact, message)
    }

    @Test(arguments: Backend.allCases)
    func aMisreadBounceIsListedAndUndoneByReclassifyingIt(_ backend: Backend) async throws {
        try await APITestClient.with(backend) { api in
            let (contact, message) = try await misreadBounce(api.fixture.store)
            let all = try await api.request(.get, "/api/v1/inbox/messages", as: .reports)
            #expect(all.status == .ok)
            #expect((all.json["items"] as? [[String: Any]])?.count == 2)
            let bounces = try await api.request(.get, "/api/v1/inbox/messages?kind=bounce", as: .contacts)
            let items = try #require(bounces.json["items"] as? [[String: Any]])
            #expect(items.count == 1)
            #expect(items.first?["action"] as? String == "bounced")
            #expect(items.first?["contactId"] as? String == contact.id.rawValue)

            let fixed = try await api.request(.post, "/api/v1/inbox/messages/\(message.id.rawValue)/reclassify", json: ["kind": "other"], as: .contacts)
            #expect(fixed.status == .ok, "\(fixed.body)")
            #expect(fixed.json["kind"] as? String == "other")
            #expect(fixed.json["action"] as? String == "reverted")
            #expect(fixed.json["previousKinds"] as? [String] == ["bounce"])
            let restored = try #require(try await api.fixture.store.contacts.get(contact.id))
            #expect(restored.status == .confirmed)
            #expect(restored.consent?.evidence == "r1@exemplo.com.br", "the consent record stays")

            let again = try await api.request(.post, "/api/v1/inbox/messages/\(message.id.rawValue)/reclassify", json: ["kind": "other"], as: .contacts)
            #expect(again.status == .conflict)
            let missing = try await api.request(.post, "/api/v1/inbox/messages/nope/reclassify", json: ["kind": "other"], as: .contacts)
            #expect(missing.status == .notFound)
            let wrongScope = try await api.request(.post, "/api/v1/inbox/messages/\(message.id.rawValue)/reclassify", json: ["kind": "bounce"], as: .reports)
            #expect(wrongScope.status == .forbidden)
        }
    }

    @Test func aContactChangedSinceIsLeftAsItIs() async throws {
        try await APITestClient.with { api in
            let (contact, message) = try await misreadBounce(api.fixture.store)
            var later = try #require(try await api.fixture.store.contacts.get(contact.id))
            later.restore(to: .confirmed, at: Date())
            try later.move(to: .unsubscribed, at: Date())
            _ = try await api.fixture.store.contacts.update(later)
            let fixed = try await api.request(.post, "/api/v1/inbox/messages/\(message.id.rawValue)/reclassify", json: ["kind": "other"], as: .contacts)
            #expect(fixed.status == .ok)
            #expect(try await api.fixture.store.contacts.get(contact.id)?.status == .unsubscribed, "a later unsubscribe is never undone")
        }
    }
}
