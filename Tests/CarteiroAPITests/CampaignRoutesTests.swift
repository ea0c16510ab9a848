import CarteiroDomain
import CarteiroStoreTesting
import CarteiroUseCases
import Foundation
import HTTPTypes
import Testing

/// A campaign's life through the API, with the queue standing in for the workers: what each
/// state change does to the jobs.
@Suite struct CampaignRoutesTests {
    /// A template, a list of `members` contacts (one of them unsubscribed) and a draft campaign to it.
    private static func draft(_ api: APITestClient, members: Int) async throws -> (campaign: String, list: ContactListID) {
        let store = api.fixture.store
        let list = try await store.contactLists.insert(try ContactList(name: "Clientes", createdAt: Date()))
        for index in 0..<members {
            var contact = try Contact(
                email: try EmailAddress("cliente\(index)@example.com"), name: "Cliente \(index)", status: index == 0 ? .pending : .confirmed,
                consent: index == 0 ? nil : .init(at: Date(), method: .api, evidence: "test"), createdAt: Date())
            contact.tags = [list.membershipTag]
            contact.attributes = ["plano": .string("Fibra \(index)")]
            if index == 0 { try contact.move(to: .unsubscribed, at: Date()) }
            _ = try await store.contacts.insert(contact)
        }
        let template = try await api.request(
            .post, "/api/v1/templates", json: ["name": "Oferta", "subject": "Oi {{first_name}}", "text": "Seu plano: {{plano}}"], as: .campaigns)
        let templateID = try #require(template.json["id"] as? String)
        let created = try await api.request(
            .post, "/api/v1/campaigns",
            json: ["name": "Dezembro", "templateId": templateID, "listIds": [list.id.rawValue], "from": "Ofertas ISP <ofertas@isp.example>"],
            as: .campaigns)
        #expect(created.status == .created, "\(created.body)")
        #expect(created.json["status"] as? String == "draft")
        #expect(created.json["from"] as? String == "Ofertas ISP <ofertas@isp.example>")
        return (try #require(created.json["id"] as? String), list.id)
    }

    private static func counts(_ api: APITestClient, _ id: String) async throws -> [String: Int] {
        let report = try await api.request(.get, "/api/v1/campaigns/\(id)/report", as: .reports)
        #expect(report.status == .ok, "\(report.body)")
        return (report.json["counts"] as? [String: Int]) ?? [:]
    }

    @Test(arguments: Backend.allCases)
    func sendPauseResumeAndFinishMoveTheJobsAndTheCountersFollow(_ backend: Backend) async throws {
        try await APITestClient.with(backend) { api in
            let (id, _) = try await Self.draft(api, members: 21)
            let queue = api.fixture.store.emailJobs
            let sent = try await api.request(.post, "/api/v1/campaigns/\(id)/send", as: .campaigns)
            #expect(sent.status == .accepted, "\(sent.body)")
            #expect(sent.json["status"] as? String == "sending")
            #expect(sent.json["templateRevision"] as? Int == 1)
            var counts = try await Self.counts(api, id)
            #expect(counts["audience"] == 21)
            #expect(counts["suppressed"] == 1, "the unsubscribed contact")
            #expect(counts["queued"] == 20)
            #expect(try await api.request(.post, "/api/v1/campaigns/\(id)/send", as: .campaigns).status == .conflict, "it is sending already")

            // A worker takes and sends five, then the campaign is paused.
            let now = Date()
            let first = try await queue.claim(ClaimRequest(owner: "w", limit: 5, leaseDuration: .seconds(60), now: now))
            _ = try await queue.record(first.map { .init(jobID: $0.id, leaseToken: $0.lease!.token, result: .sent(relay: "r")) }, at: now)
            #expect(try await api.request(.post, "/api/v1/campaigns/\(id)/pause", as: .campaigns).json["status"] as? String == "paused")
            #expect(try await queue.claim(ClaimRequest(owner: "w", limit: 100, leaseDuration: .seconds(60), now: now)).isEmpty, "nothing is claimed while paused")
            try await CampaignDispatcher(store: api.fixture.store).advance(now: now)
            #expect(try await api.request(.get, "/api/v1/campaigns/\(id)").json["status"] as? String == "paused", "a paused campaign is not done")

            #expect(try await api.request(.post, "/api/v1/campaigns/\(id)/resume", as: .campaigns).json["status"] as? String == "sending")
            let rest = try await queue.claim(ClaimRequest(owner: "w", limit: 100, leaseDuration: .seconds(60), now: now))
            #expect(rest.count == 15, "only the ones not sent come back")
            #expect(Set(rest.map(\.recipient)).isDisjoint(with: Set(first.map(\.recipient))))
            try await CampaignDispatcher(store: api.fixture.store).advance(now: now)
            #expect(try await api.request(.get, "/api/v1/campaigns/\(id)").json["status"] as? String == "sending", "not every job is final")
            _ = try await queue.record(rest.map { .init(jobID: $0.id, leaseToken: $0.lease!.token, result: .sent(relay: "r")) }, at: now)
            try await CampaignDispatcher(store: api.fixture.store).advance(now: now)
            let done = try await api.request(.get, "/api/v1/campaigns/\(id)")
            #expect(done.json["status"] as? String == "sent")
            #expect(done.json["finishedAt"] is String)
            counts = try await Self.counts(api, id)
            #expect(counts["sent"] == 20)
            #expect(counts["queued"] == 0)
            // Every job carries the campaign and its contact, and the contact's values.
            let job = try #require(rest.first)
            #expect(job.campaignID?.rawValue == id)
            #expect(job.contactID != nil)
            #expect(job.variables["plano"]?.hasPrefix("Fibra ") == true)
        }
    }

    @Test func cancelStopsWhatIsNotClaimedAndATestSendIsNotCounted() async throws {
        try await APITestClient.with { api in
            let (id, _) = try await Self.draft(api, members: 4)
            let test = try await api.request(
                .post, "/api/v1/campaigns/\(id)/test", json: ["addresses": ["Revisora <revisao@isp.example>", "cliente2@example.com"]], as: .campaigns)
            #expect(test.status == .accepted, "\(test.body)")
            #expect(test.json["queued"] as? Int == 2)
            let testSendID = try #require(test.json["sendId"] as? String)
            let testSend = try #require(try await api.fixture.store.sends.get(SendID(rawValue: testSendID)))
            #expect(testSend.subject.hasPrefix("[TEST] "))
            #expect(testSend.campaignID == nil)
            #expect(try await Self.counts(api, id)["audience"] == 0, "a test is not counted")
            #expect(try await api.request(.get, "/api/v1/campaigns/\(id)").json["status"] as? String == "draft")

            _ = try await api.request(.post, "/api/v1/campaigns/\(id)/send", as: .campaigns)
            let cancelled = try await api.request(.post, "/api/v1/campaigns/\(id)/cancel", as: .campaigns)
            #expect(cancelled.json["status"] as? String == "cancelled")
            #expect(try await Self.counts(api, id)["cancelled"] == 3)
            #expect(try await api.request(.post, "/api/v1/campaigns/\(id)/resume", as: .campaigns).status == .conflict)
            #expect(try await api.request(.delete, "/api/v1/campaigns/\(id)").status == .conflict, "only a draft can be deleted")
        }
    }

    @Test func aScheduledCampaignStartsWhenItsTimeComesAndADraftCanChangeUntilThen() async throws {
        try await APITestClient.with { api in
            let (id, _) = try await Self.draft(api, members: 3)
            #expect(try await api.request(.patch, "/api/v1/campaigns/\(id)", json: ["name": "Natal"], as: .campaigns).json["name"] as? String == "Natal")
            let withReplyTo = try await api.request(.patch, "/api/v1/campaigns/\(id)", json: ["replyTo": "sac@isp.example"], as: .campaigns)
            #expect(withReplyTo.json["replyTo"] as? String == "sac@isp.example")
            // The empty string removes it (schemathesis found it refused: "" matched the address branch first).
            let removed = try await api.request(.patch, "/api/v1/campaigns/\(id)", json: ["replyTo": "", "trackClicks": false], as: .campaigns)
            #expect(removed.status == .ok, "\(removed.json)")
            #expect(removed.json["replyTo"] == nil)
            #expect(removed.json["trackClicks"] as? Bool == false)
            #expect(removed.json["trackOpens"] as? Bool == true)
            let at = Date().addingTimeInterval(3600)
            let scheduled = try await api.request(
                .post, "/api/v1/campaigns/\(id)/schedule", json: ["at": ISO8601DateFormatter().string(from: at)], as: .campaigns)
            #expect(scheduled.json["status"] as? String == "scheduled", "\(scheduled.body)")
            #expect(try await api.request(.patch, "/api/v1/campaigns/\(id)", json: ["name": "x"], as: .campaigns).status == .conflict)
            let dispatcher = CampaignDispatcher(store: api.fixture.store)
            try await dispatcher.advance(now: Date())
            #expect(try await api.request(.get, "/api/v1/campaigns/\(id)").json["status"] as? String == "scheduled")
            try await dispatcher.advance(now: at.addingTimeInterval(1))
            #expect(try await api.request(.get, "/api/v1/campaigns/\(id)").json["status"] as? String == "sending")
            #expect(try await Self.counts(api, id)["queued"] == 2)
        }
    }

    @Test func badCampaignsAreRefusedBeforeAnythingIsStored() async throws {
        try await APITestClient.with { api in
            let template = try await api.request(.post, "/api/v1/templates", json: ["name": "T", "subject": "S", "text": "x"])
            let templateID = try #require(template.json["id"] as? String)
            let list = try await api.fixture.store.contactLists.insert(try ContactList(name: "L", createdAt: Date()))
            let cases: [([String: Any], HTTPResponse.Status, String)] = [
                (["name": "x", "templateId": "nope", "listIds": [list.id.rawValue], "from": "a@b.example"], .conflict, "templateId"),
                (["name": "x", "templateId": templateID, "listIds": ["nope"], "from": "a@b.example"], .conflict, "listIds.0"),
                (["name": "x", "templateId": templateID, "listIds": [list.id.rawValue], "from": "not an address"], .badRequest, "from"),
                (["name": "x", "templateId": templateID, "listIds": [list.id.rawValue], "from": "a@b.example", "replyTo": "a\r\nBcc: x@y"], .badRequest, "replyTo"),
            ]
            for (body, status, field) in cases {
                let answer = try await api.request(.post, "/api/v1/campaigns", json: body, as: .campaigns)
                #expect(answer.status == status, "\(body): \(answer.body)")
                #expect((answer.json["error"] as? [String: Any])?["field"] as? String == field, "\(answer.body)")
            }
            #expect(try await api.fixture.store.campaigns.count() == 0)
            // A draft may be saved before its audience is chosen; it cannot be sent so.
            let draft = try await api.request(.post, "/api/v1/campaigns", json: ["name": "x", "templateId": templateID, "from": "a@b.example"])
            #expect(draft.status == .created)
            let id = try #require(draft.json["id"] as? String)
            let refused = try await api.request(.post, "/api/v1/campaigns/\(id)/send")
            #expect(refused.status == .conflict)
            #expect((refused.json["error"] as? [String: Any])?["field"] as? String == "listIds")
        }
    }
}
