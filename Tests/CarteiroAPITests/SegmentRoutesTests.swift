import CarteiroDomain
import CarteiroStoreTesting
import Foundation
import HTTPTypes
import Testing

@Suite struct SegmentRoutesTests {
    /// Ten contacts: even ones confirmed, multiples of three tagged vip, ages 20…29, half in a list.
    private static func seed(_ api: APITestClient, list: ContactListID) async throws {
        for index in 0..<10 {
            var contact = try Contact(
                email: try EmailAddress("cliente\(index)@example.com"), name: "Cliente \(index)",
                status: index.isMultiple(of: 2) ? .confirmed : .pending,
                consent: index.isMultiple(of: 2) ? .init(at: Date(), method: .api, evidence: "test") : nil, createdAt: Date())
            contact.tags = index.isMultiple(of: 3) ? ["vip"] : []
            if index < 5 { contact.tags.insert(ContactList.membershipTag(of: list)) }
            contact.attributes = ["idade": .number(Double(20 + index)), "plano": .string(index < 3 ? "fibra" : "movel")]
            _ = try await api.fixture.store.contacts.insert(contact)
        }
    }

    /// On nx-27017 the tag index is found with `$in`: that server matches nothing by equality on
    /// an indexed array (MongoDB does; see MongoAggregateRepository.find).
    @Test(arguments: Backend.allCases)
    func aFilterCountsAndSamplesTheContactsItMatches(_ backend: Backend) async throws {
        try await APITestClient.with(backend) { api in
            let list = ContactListID()
            try await Self.seed(api, list: list)
            func count(_ filter: [String: Any]) async throws -> Int? {
                let answer = try await api.request(.post, "/api/v1/segments/preview", json: filter, as: .campaigns)
                #expect(answer.status == .ok, "\(answer.body)")
                return answer.json["count"] as? Int
            }
            #expect(try await count([:]) == 10)
            #expect(try await count(["statuses": ["confirmed"]]) == 5)
            #expect(try await count(["tagsAll": ["vip"]]) == 4)
            #expect(try await count(["tagsNone": ["vip"], "statuses": ["confirmed"]]) == 3)
            #expect(try await count(["listIds": [list.rawValue]]) == 5)
            #expect(try await count(["attributes": [["name": "idade", "op": "gte", "value": 25]]]) == 5)
            #expect(try await count(["attributes": [["name": "idade", "op": "lt", "value": 21.5]]]) == 2, "numbers compare as numbers")
            #expect(try await count(["attributes": [["name": "plano", "op": "eq", "value": "fibra"]]]) == 3)
            #expect(try await count(["attributes": [["name": "cidade", "op": "missing"]]]) == 10)
            #expect(try await count(["engagement": [["event": "opened", "withinDays": 30]]]) == 0, "nothing opened yet")
            #expect(try await count(["engagement": [["event": "opened", "withinDays": 30, "not": true]]]) == 10)
            let sample = try await api.request(.post, "/api/v1/segments/preview", json: ["statuses": ["confirmed"]], as: .campaigns)
            #expect((sample.json["sample"] as? [[String: Any]])?.count == 5)
        }
    }

    @Test func aSavedSegmentComesBackAsGivenAndItsPreviewFollowsTheContacts() async throws {
        try await APITestClient.with { api in
            let list = ContactListID()
            try await Self.seed(api, list: list)
            let filter: [String: Any] = [
                "statuses": ["confirmed"], "attributes": [["name": "idade", "op": "gte", "value": 22], ["name": "desde", "op": "lt", "value": ["date": "2027-01-01"]]],
            ]
            let created = try await api.request(.post, "/api/v1/segments", json: ["name": "Confirmados 22+", "filter": filter])
            #expect(created.status == .created, "\(created.body)")
            let id = try #require(created.json["id"] as? String)
            let stored = try #require(created.json["filter"] as? [String: Any])
            let conditions = try #require(stored["attributes"] as? [[String: Any]])
            #expect(conditions.first?["value"] as? Int == 22, "a number comes back a number")
            #expect((conditions.last?["value"] as? [String: Any])?["date"] as? String == "2027-01-01")
            #expect(try await api.request(.get, "/api/v1/segments/\(id)/preview").json["count"] as? Int == 0, "nobody has 'desde'")
            let renamed = try await api.request(
                .patch, "/api/v1/segments/\(id)", json: ["name": "Confirmados", "filter": ["statuses": ["confirmed"]]])
            #expect(renamed.json["name"] as? String == "Confirmados")
            #expect(try await api.request(.get, "/api/v1/segments/\(id)/preview").json["count"] as? Int == 5)
            #expect(try await api.request(.post, "/api/v1/segments", json: ["name": "confirmados", "filter": [:]]).status == .conflict)
            #expect(try await api.request(.delete, "/api/v1/segments/\(id)").status == .noContent)
            #expect(try await api.request(.get, "/api/v1/segments/\(id)").status == .notFound)
        }
    }

    @Test func badFiltersAreRefusedWith400() async throws {
        try await APITestClient.with { api in
            let cases: [[String: Any]] = [
                ["statuses": ["sleeping"]],
                ["attributes": [["name": "idade", "op": "gte"]]],
                ["attributes": [["name": "idade", "op": "like", "value": 1]]],
                ["engagement": [["event": "opened", "withinDays": 0]]],
                ["createdAfter": "2026-02-30T00:00:00Z"],
                ["attributes": [["name": "plano", "op": "exists", "value": 1]]],
                ["tagsAll": [["$gt": ""]]],
                ["unknown": true],
            ]
            for filter in cases {
                let answer = try await api.request(.post, "/api/v1/segments/preview", json: filter)
                #expect(answer.status == .badRequest, "\(filter): \(answer.status) \(answer.body)")
                #expect(answer.json["error"] is [String: Any])
            }
        }
    }
}
