import CarteiroDomain
import CarteiroStoreTesting
import HTTPTypes
import Foundation
import Testing

@Suite("Lists API")
struct ListRoutesTests {
    @Test func listsAreCreatedReadRenamedPagedAndDuplicateNamesAre409() async throws {
        try await APIHarness.with { api in
            let created = try await api.send(.post, "/api/v1/lists", json: #"{"name": "Newsletter", "description": "Semanal"}"#)
            #expect(created.status == .created)
            #expect(created.json["doubleOptIn"] as? Bool == true)
            #expect(created.json["memberCount"] as? Int == 0)
            let id = try #require(created.json["id"] as? String)
            let duplicate = try await api.send(.post, "/api/v1/lists", json: #"{"name": "newsletter"}"#)
            #expect(duplicate.status == .conflict)
            let renamed = try await api.send(.patch, "/api/v1/lists/\(id)", json: #"{"name": "Notícias", "doubleOptIn": false}"#)
            #expect(renamed.json["name"] as? String == "Notícias")
            #expect(renamed.json["doubleOptIn"] as? Bool == false)
            _ = try await api.send(.post, "/api/v1/lists", json: #"{"name": "Outra"}"#)
            let first = try await api.send(.get, "/api/v1/lists?limit=1")
            #expect(first.items.count == 1)
            let cursor = try #require(first.json["nextCursor"] as? String)
            let second = try await api.send(.get, "/api/v1/lists?limit=1&cursor=\(cursor)")
            #expect(second.items.first?["name"] as? String == "Outra")
            #expect(try await api.send(.get, "/api/v1/lists/nolist").status == .notFound)
        }
    }

    @Test func membersAreAddedOnceCountedListedRemovedAndGoWithTheList() async throws {
        try await APIHarness.with { api in
            let list = try #require(try await api.send(.post, "/api/v1/lists", json: #"{"name": "VIP"}"#).json["id"] as? String)
            let a = try #require(try await api.create(#"{"email": "a@example.com"}"#)["id"] as? String)
            let b = try #require(try await api.create(#"{"email": "b@example.com"}"#)["id"] as? String)
            let added = try await api.send(.post, "/api/v1/lists/\(list)/members", json: #"{"contactIds": ["\#(a)", "\#(b)", "nobody"]}"#)
            #expect(added.json["added"] as? Int == 2)
            #expect(added.json["notFound"] as? [String] == ["nobody"])
            let again = try await api.send(.post, "/api/v1/lists/\(list)/members", json: #"{"contactIds": ["\#(a)"]}"#)
            #expect(again.json["alreadyMembers"] as? Int == 1)
            #expect(try await api.send(.get, "/api/v1/lists/\(list)").json["memberCount"] as? Int == 2)
            let members = try await api.send(.get, "/api/v1/lists/\(list)/members")
            #expect(members.items.compactMap { $0["id"] as? String } == [a, b])
            #expect(try await api.send(.get, "/api/v1/contacts/\(a)").json["listIds"] as? [String] == [list])
            #expect(try await api.send(.get, "/api/v1/contacts?listId=\(list)").items.count == 2)
            #expect(try await api.send(.delete, "/api/v1/lists/\(list)/members/\(a)").status == .noContent)
            #expect(try await api.send(.get, "/api/v1/lists/\(list)").json["memberCount"] as? Int == 1)
            #expect(try await api.send(.delete, "/api/v1/lists/\(list)").status == .noContent)
            #expect(try await api.send(.get, "/api/v1/lists/\(list)").status == .notFound)
            #expect(try await api.send(.get, "/api/v1/contacts/\(b)").json["listIds"] as? [String] == [])
            #expect(try await api.send(.delete, "/api/v1/lists/\(list)").status == .notFound)
        }
    }
}
