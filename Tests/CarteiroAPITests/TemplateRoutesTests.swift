import CarteiroDomain
import CarteiroStoreTesting
import Foundation
import HTTPTypes
import Testing

@Suite struct TemplateRoutesTests {
    private static var welcome: [String: Any] {
        [
        "name": "Boas-vindas", "subject": "Olá, {{first_name}}!", "html": "<p>Olá {{name}}, seu plano é {{plano}}.</p>",
        "text": "Olá {{name}}, seu plano é {{attributes.plano}}.",
        ]
    }

    @Test func aSavedTemplateReportsItsVariablesAndTheOnesNoContactHas() async throws {
        try await APITestClient.with { api in
            let created = try await api.request(.post, "/api/v1/templates", json: Self.welcome, as: .campaigns)
            #expect(created.status == .created, "\(created.body)")
            #expect(created.json["revision"] as? Int == 1)
            #expect(created.json["variables"] as? [String] == ["attributes.plano", "first_name", "name", "plano"])
            #expect(created.json["unknownVariables"] as? [String] == ["plano"])
            let id = try #require(created.json["id"] as? String)
            let read = try await api.request(.get, "/api/v1/templates/\(id)", as: .campaigns)
            #expect(read.json["subject"] as? String == "Olá, {{first_name}}!")
            let list = try await api.request(.get, "/api/v1/templates?limit=10", as: .campaigns)
            #expect((list.json["items"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test func aTemplateThatDoesNotCompileIsRefusedNamingThePartLineAndColumn() async throws {
        try await APITestClient.with { api in
            var broken = Self.welcome
            broken["html"] = "<p>linha 1</p>\n<p>{{#plano}} sem fim</p>"
            let answer = try await api.request(.post, "/api/v1/templates", json: broken)
            #expect(answer.status == .unprocessableContent)
            #expect(answer.errorCode == "invalid_template")
            let error = try #require(answer.json["error"] as? [String: Any])
            #expect(error["field"] as? String == "html")
            #expect((error["message"] as? String)?.contains("line 2") == true, "\(answer.body)")
            let unclosed = try await api.request(.post, "/api/v1/templates", json: ["name": "x", "subject": "Oi {{name", "text": "a"])
            #expect(unclosed.status == .unprocessableContent)
            #expect((unclosed.json["error"] as? [String: Any])?["field"] as? String == "subject")
            let noBody = try await api.request(.post, "/api/v1/templates", json: ["name": "x", "subject": "Oi"])
            #expect(noBody.status == .badRequest)
            #expect((noBody.json["error"] as? [String: Any])?["field"] as? String == "body")
            #expect(try await api.fixture.store.templates.count() == 0, "nothing was stored")
        }
    }

    @Test func eachChangeIsANewRevisionAndEarlierOnesAreKept() async throws {
        try await APITestClient.with { api in
            let id = try #require(try await api.request(.post, "/api/v1/templates", json: Self.welcome).json["id"] as? String)
            let second = try await api.request(.patch, "/api/v1/templates/\(id)", json: ["subject": "Bem-vinda, {{first_name}}"])
            #expect(second.status == .ok, "\(second.body)")
            #expect(second.json["revision"] as? Int == 2)
            #expect(second.json["html"] as? String == Self.welcome["html"] as? String, "what was not given is kept")
            let unchanged = try await api.request(.patch, "/api/v1/templates/\(id)", json: ["subject": "Bem-vinda, {{first_name}}"])
            #expect(unchanged.json["revision"] as? Int == 2, "the same values make no revision")
            let third = try await api.request(.patch, "/api/v1/templates/\(id)", json: ["html": ""])
            #expect(third.json["revision"] as? Int == 3)
            #expect(third.json["html"] == nil, "an empty string removes a body")
            let noBody = try await api.request(.patch, "/api/v1/templates/\(id)", json: ["text": ""])
            #expect(noBody.status == .unprocessableContent, "removing the last body is refused")
            let revisions = try await api.request(.get, "/api/v1/templates/\(id)/revisions")
            let items = try #require(revisions.json["items"] as? [[String: Any]])
            #expect(items.map { $0["revision"] as? Int } == [3, 2, 1])
            #expect(items.last?["subject"] as? String == "Olá, {{first_name}}!")
        }
    }

    @Test func previewRendersForAContactForSampleDataAndForAnExample() async throws {
        try await APITestClient.with { api in
            let id = try #require(try await api.request(.post, "/api/v1/templates", json: Self.welcome).json["id"] as? String)
            var contact = try Contact(email: try EmailAddress("joao@example.com.br"), name: "João da Silva", createdAt: Date())
            contact.attributes = ["plano": "Fibra 500"]
            _ = try await api.fixture.store.contacts.insert(contact)
            let forContact = try await api.request(.post, "/api/v1/templates/\(id)/preview", json: ["contactId": contact.id.rawValue])
            #expect(forContact.status == .ok, "\(forContact.body)")
            #expect(forContact.json["subject"] as? String == "Olá, João!")
            #expect(forContact.json["html"] as? String == "<p>Olá João da Silva, seu plano é Fibra 500.</p>")
            #expect(forContact.json["text"] as? String == "Olá João da Silva, seu plano é Fibra 500.")
            let forData = try await api.request(.post, "/api/v1/templates/\(id)/preview", json: ["data": ["name": "Ana <b>", "plano": "Móvel"]])
            #expect(forData.json["html"] as? String == "<p>Olá Ana &lt;b&gt;, seu plano é Móvel.</p>", "HTML escapes values")
            let example = try await api.request(.post, "/api/v1/templates/\(id)/preview", json: [String: Any]())
            #expect(example.json["subject"] as? String == "Olá, Ana!")
            let missing = try await api.request(.post, "/api/v1/templates/\(id)/preview", json: ["contactId": "nope"])
            #expect(missing.status == .conflict, "a body naming a missing contact; 404 is for the template")
            #expect(missing.errorCode == "missing_reference")
        }
    }

    @Test func aTemplateAnUnfinishedCampaignUsesCannotBeDeleted() async throws {
        try await APITestClient.with { api in
            let id = try #require(try await api.request(.post, "/api/v1/templates", json: Self.welcome).json["id"] as? String)
            _ = try await api.request(.patch, "/api/v1/templates/\(id)", json: ["subject": "Nova"])
            let campaign = try Campaign(
                name: "Black Friday", templateID: TemplateID(rawValue: id), listIDs: [ContactListID()], from: try EmailAddress("ofertas@isp.example"),
                createdAt: Date())
            _ = try await api.fixture.store.campaigns.insert(campaign)
            let refused = try await api.request(.delete, "/api/v1/templates/\(id)")
            #expect(refused.status == .conflict, "\(refused.body)")
            var cancelled = try #require(try await api.fixture.store.campaigns.get(campaign.id))
            try cancelled.move(to: .cancelled, at: Date())
            _ = try await api.fixture.store.campaigns.update(cancelled)
            #expect(try await api.request(.delete, "/api/v1/templates/\(id)").status == .noContent)
            #expect(try await api.request(.get, "/api/v1/templates/\(id)").status == .notFound)
            #expect(try await api.fixture.store.templateRevisions.count() == 0, "its revisions went with it")
        }
    }
}
