import CarteiroDomain
import CarteiroStoreTesting
import HTTPTypes
import Foundation
import Testing

@Suite("Contacts API")
struct ContactRoutesTests {
    @Test func createdContactComesBackWithTypedAttributesAndConsentForConfirmed() async throws {
        try await APIHarness.with { api in
            let created = try await api.create(
                #"{"email": "Ana.Souza@Example.com", "name": "Ana Souza", "status": "confirmed", "tags": ["vip"], "attributes": {"age": 31, "plan": "Fibra", "active": true, "since": {"date": "2024-02-29"}}}"#
            )
            let id = try #require(created["id"] as? String)
            let got = try await api.send(.get, "/api/v1/contacts/\(id)")
            #expect(got.status == .ok)
            let attributes = try #require(got.json["attributes"] as? [String: Any])
            #expect(attributes["age"] as? Int == 31)
            #expect(attributes["plan"] as? String == "Fibra")
            #expect(attributes["active"] as? Bool == true)
            #expect((attributes["since"] as? [String: String])?["date"] == "2024-02-29")
            #expect(got.json["status"] as? String == "confirmed")
            let consent = try #require(got.json["consent"] as? [String: Any])
            #expect(consent["method"] as? String == "api")
            #expect((consent["evidence"] as? String)?.contains("route-tests") == true)
        }
    }

    @Test func nameAddrGivesTheNameAndAccentsSurvive() async throws {
        try await APIHarness.with { api in
            let created = try await api.create(#"{"email": "João Conceição <joao@example.com.br>"}"#)
            #expect(created["email"] as? String == "joao@example.com.br")
            #expect(created["name"] as? String == "João Conceição")
            let other = try await api.create(#"{"email": "Zé <ze@example.com>", "name": "José Ângelo"}"#)
            #expect(other["name"] as? String == "José Ângelo")
        }
    }

    @Test func duplicateAddressInAnotherCaseIs409() async throws {
        try await APIHarness.with { api in
            _ = try await api.create(#"{"email": "maria@example.com"}"#)
            let reply = try await api.send(.post, "/api/v1/contacts", json: #"{"email": "MARIA@example.com"}"#)
            #expect(reply.status == .conflict)
            #expect(reply.errorField == "email")
        }
    }

    @Test func unknownFieldOperatorAndBadValuesAre400() async throws {
        try await APIHarness.with { api in
            let unknown = try await api.send(.post, "/api/v1/contacts", json: #"{"email": "a@example.com", "admin": true}"#)
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorCode != nil)
            let injection = try await api.send(.post, "/api/v1/contacts", json: #"{"email": {"$gt": ""}}"#)
            #expect(injection.status == .badRequest)
            let badEmail = try await api.send(.post, "/api/v1/contacts", json: #"{"email": "not-an-address"}"#)
            #expect(badEmail.status == .badRequest)
            #expect(badEmail.errorField == "email")
            let badDate = try await api.send(
                .post, "/api/v1/contacts", json: #"{"email": "b@example.com", "attributes": {"since": {"date": "2023-02-29"}}}"#)
            #expect(badDate.status == .badRequest)
            let listTag = try await api.send(.post, "/api/v1/contacts", json: #"{"email": "c@example.com", "tags": ["list:x"]}"#)
            #expect(listTag.status == .unprocessableContent, "a tag of the document's form the domain refuses")
            let search = try await api.send(.get, "/api/v1/contacts?status=nobody")
            #expect(search.status == .badRequest)
            #expect(try await api.fixture.store.contacts.count() == 0)
        }
    }

    @Test func bodyOverOneMegabyteIs413() async throws {
        try await APIHarness.with { api in
            let big = String(repeating: "x", count: 1_100_000)
            let reply = try await api.send(.post, "/api/v1/contacts", json: #"{"email": "a@example.com", "name": "\#(big)"}"#)
            #expect(reply.status == .contentTooLarge)
            #expect(reply.errorCode == "too_large")
        }
    }

    @Test func unknownContactIs404() async throws {
        try await APIHarness.with { api in
            let reply = try await api.send(.get, "/api/v1/contacts/\(ContactID().rawValue)")
            #expect(reply.status == .notFound)
            #expect(reply.errorCode == "not_found")
        }
    }

    @Test func updateReplacesTagsMergesAndRemovesAttributesAndChecksTheVersion() async throws {
        try await APIHarness.with { api in
            let created = try await api.create(#"{"email": "lia@example.com", "tags": ["a"], "attributes": {"age": 30, "plan": "x"}}"#)
            let id = try #require(created["id"] as? String)
            let updated = try await api.send(
                .patch, "/api/v1/contacts/\(id)",
                json: #"{"tags": ["b", "c"], "attributes": {"vip": false, "age": 31.5}, "removeAttributes": ["plan"], "version": 1}"#)
            #expect(updated.status == .ok)
            #expect(updated.json["tags"] as? [String] == ["b", "c"])
            let attributes = try #require(updated.json["attributes"] as? [String: Any])
            #expect(attributes["vip"] as? Bool == false)
            #expect(attributes["age"] as? Double == 31.5)
            #expect(attributes["plan"] == nil)
            #expect(updated.json["version"] as? Int == 2)
            let stale = try await api.send(.patch, "/api/v1/contacts/\(id)", json: #"{"name": "Lia", "version": 1}"#)
            #expect(stale.status == .conflict)
            let missing = try await api.send(.patch, "/api/v1/contacts/\(ContactID().rawValue)", json: #"{"name": "Nobody"}"#)
            #expect(missing.status == .notFound)
        }
    }

    @Test func searchByEachFilterPagesThroughEveryMatchOnce() async throws {
        try await APIHarness.with { api in
            for index in 0..<12 {
                let tags = index % 2 == 0 ? #"["even"]"# : #"["odd"]"#
                let status = index % 3 == 0 ? "confirmed" : "pending"
                _ = try await api.create(
                    #"{"email": "p\#(index)@example.com", "status": "\#(status)", "tags": \#(tags), "attributes": {"n": \#(index % 4)}}"#)
            }
            func all(_ query: String) async throws -> [String] {
                var emails: [String] = []
                var cursor: String?
                repeat {
                    let reply = try await api.send(.get, "/api/v1/contacts?limit=2\(query)" + (cursor.map { "&cursor=\($0)" } ?? ""))
                    #expect(reply.status == .ok)
                    emails += reply.items.compactMap { $0["email"] as? String }
                    cursor = reply.json["nextCursor"] as? String
                } while cursor != nil
                return emails
            }
            #expect(try await all("").count == 12)
            #expect(try await all("&email=P5@example.com") == ["p5@example.com"])
            #expect(try await all("&status=confirmed") == ["p0@example.com", "p3@example.com", "p6@example.com", "p9@example.com"])
            #expect(try await all("&tag=even").count == 6)
            #expect(try await all("&tag=even&status=confirmed") == ["p0@example.com", "p6@example.com"])
            #expect(try await all("&attribute=n:3") == ["p3@example.com", "p7@example.com", "p11@example.com"])
            let future = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
            #expect(try await all("&createdAfter=\(future)").isEmpty)
            #expect(try await all("&createdBefore=\(future)").count == 12)
        }
    }

    @Test func erasedContactKeepsNoPersonalDataAndItsAddressIsRefusedAndSuppressed() async throws {
        try await APIHarness.with { api in
            let created = try await api.create(#"{"email": "Bia <bia@example.com>", "tags": ["x"], "attributes": {"city": "Recife"}}"#)
            let id = try #require(created["id"] as? String)
            #expect(try await api.send(.delete, "/api/v1/contacts/\(id)").status == .noContent)
            let got = try await api.send(.get, "/api/v1/contacts/\(id)")
            #expect(got.json["status"] as? String == "erased")
            #expect(got.json["email"] as? String == "")
            #expect(got.json["name"] == nil)
            #expect((got.json["attributes"] as? [String: Any])?.isEmpty == true)
            #expect(!got.text.contains("bia@") && !got.text.contains("Recife"))
            let again = try await api.send(.post, "/api/v1/contacts", json: #"{"email": "BIA@example.com"}"#)
            #expect(again.status == .conflict)
            #expect(again.errorCode == "erased")
            let suppression = try await SuppressionList.load(from: api.fixture.store.contacts)
            #expect(suppression.contains(try EmailAddress("bia@Example.com")))
            #expect(!suppression.contains(try EmailAddress("other@example.com")))
        }
    }
}
