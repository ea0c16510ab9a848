import CarteiroMIME
import CarteiroTesting
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The whole campaign story through the live API, on the embedded store and on nx-27017:
/// a template, an import with bad rows, a list and a segment, a campaign, a test send, then the
/// send paused half-way, resumed, and `sent`. A real `serve --roles api,worker` delivers to an
/// SMTP sink (aiosmtpd) that slows every message down; dkimpy verifies each signature.
@Suite("campaign story, live", .serialized, .timeLimit(.minutes(6)))
struct CampaignStoryTests {
    enum Backend: String, CaseIterable, Sendable { case sqlite, mongodb }

    @Test(arguments: Backend.allCases)
    func aCampaignReachesEveryRecipientExactlyOnceDKIMSignedThroughPauseAndResume(_ backend: Backend) async throws {
        let sink = try await SMTPSink.Scripted.start(.init(dataReplyDelay: .milliseconds(60)))
        defer { sink.stop() }
        let live = try await LiveStore.start(mongodb: backend == .mongodb)
        defer { live.stop() }
        let (folder, store, environment) = (live.folder, live.arguments, live.environment)

        let keygen = try await CarteiroProcess.run(
            ["dkim", "keygen", "--domain", "isp.example", "--selector", "s1", "--algorithm", "rsa", "--out", folder.path])
        #expect(keygen.exitCode == 0, "\(keygen.standardError)")
        var records: [String: String] = [:]
        for line in keygen.standardOutput.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 3)
            if parts.count == 4 { records[String(parts[0])] = parts[3].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        let token = try await live.token(name: "story", scope: "admin")
        let port = try freeLoopbackPort()
        let server = try CarteiroProcess(
            ["serve", "--roles", "api,worker", "--port", "\(port)", "--relay", sink.url + "?connections=1", "--batch-size", "2",
             "--dkim", "isp.example:s1:\(folder.url.appendingPathComponent("s1.rsa.pem").path)"] + store, environment: environment)
        defer { server.signal(SIGKILL) }
        let api = LiveAPI(port: port, token: token)
        try await api.waitUntilHealthy(server)

        // 1. A template.
        let template = try await api.send("POST", "templates", json: [
            "name": "Natal", "subject": "Feliz Natal, {{first_name}}!", "text": "Olá {{name}}, seu plano {{plano}} tem um presente.",
            "html": "<p>Olá {{name}}, seu plano <b>{{plano}}</b> tem um presente.</p>",
        ])
        #expect(template.status == 201, "\(template.body)")
        // 3a. A list, for the import to fill.
        let list = try await api.send("POST", "lists", json: ["name": "Clientes fibra"])
        #expect(list.status == 201, "\(list.body)")
        let listID = try #require(list.json["id"] as? String)
        // 2. Contacts imported, some rows bad: 24 good, 3 bad.
        var csv = "email,name,status,tags,plano\n"
        for index in 0..<24 { csv += "cliente\(index)@exemplo.com.br,Cliente \(index) São,confirmed,\(index % 3 == 0 ? "vip" : ""),Fibra \(index)\n" }
        csv += "not-an-address,Sem Email,confirmed,,x\n"
        csv += "mau@exemplo.com.br,Mau,sleeping,,x\n"
        csv += "\"aberta@exemplo.com.br,Aspas sem fim\n"
        let imported = try await api.send("POST", "contacts/import?mode=upsert&listId=\(listID)", body: Data(csv.utf8), contentType: "text/csv")
        #expect(imported.status == 200, "\(imported.body)")
        #expect(imported.json["created"] as? Int == 24, "\(imported.body)")
        #expect((imported.json["failed"] as? Int ?? 0) >= 2, "\(imported.body)")
        // 3b. A segment overlapping the list (the vip contacts), and one more contact only it holds.
        let extra = try await api.send("POST", "contacts", json: ["email": "Vip Extra <vip.extra@exemplo.com.br>", "status": "confirmed", "tags": ["vip"], "attributes": ["plano": "Móvel"]])
        #expect(extra.status == 201, "\(extra.body)")
        let segment = try await api.send("POST", "segments", json: ["name": "VIP", "filter": ["tagsAll": ["vip"], "statuses": ["confirmed"]]])
        #expect(segment.status == 201, "\(segment.body)")
        let segmentID = try #require(segment.json["id"] as? String)
        // 4. A campaign to both.
        let campaign = try await api.send("POST", "campaigns", json: [
            "name": "Natal 2026", "templateId": try #require(template.json["id"] as? String), "listIds": [listID], "segmentIds": [segmentID],
            "from": "Ofertas ISP <ofertas@isp.example>",
        ])
        #expect(campaign.status == 201, "\(campaign.body)")
        let id = try #require(campaign.json["id"] as? String)
        // 5. A test send, marked and not counted.
        let test = try await api.send("POST", "campaigns/\(id)/test", json: ["addresses": ["Revisão <revisao@isp.example>"]])
        #expect(test.status == 202, "\(test.body)")
        let testMessages = await sink.waitForMessages(1, timeout: .seconds(30))
        #expect(testMessages.count == 1)
        #expect(ParsedMessage.parse(try #require(testMessages.first).data).headers.values(for: "Subject").first?.contains("[TEST]") == true)

        // 6. Send; pause half-way; nothing new goes out once the pause settles; resume; sent.
        let sending = try await api.send("POST", "campaigns/\(id)/send")
        #expect(sending.status == 202, "\(sending.body)")
        let audience = 25
        _ = await sink.waitForMessages(1 + audience / 3, timeout: .seconds(60))
        let paused = try await api.send("POST", "campaigns/\(id)/pause")
        #expect(paused.json["status"] as? String == "paused", "\(paused.body)")
        // Jobs a worker had claimed before the pause finish; then nothing moves.
        try await Task.sleep(for: .seconds(2))
        let settled = sink.messages().count
        try await Task.sleep(for: .seconds(2))
        #expect(sink.messages().count == settled, "no message went out while paused")
        #expect(settled < 1 + audience, "the pause came half-way: \(settled)")
        #expect(try await api.send("POST", "campaigns/\(id)/resume").json["status"] as? String == "sending")
        var status = ""
        for _ in 0..<600 where status != "sent" {
            status = try await api.send("GET", "campaigns/\(id)").json["status"] as? String ?? ""
            if status != "sent" { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(status == "sent")
        let report = try await api.send("GET", "campaigns/\(id)/report")
        let counts = try #require(report.json["counts"] as? [String: Int], "\(report.body)")
        #expect(counts["sent"] == audience, "\(counts)")
        #expect(counts["audience"] == audience, "list and segment de-duplicated: \(counts)")

        let messages = sink.messages().filter { message in
            ParsedMessage.parse(message.data).headers.values(for: "Subject").first?.contains("[TEST]") != true
        }
        let recipients = messages.flatMap(\.recipients).map { $0.lowercased() }
        #expect(recipients.count == audience, "each recipient once: \(recipients.count)")
        #expect(Set(recipients).count == audience)
        #expect(Set(recipients).contains("vip.extra@exemplo.com.br"), "the segment's own contact")
        for message in messages {
            #expect(try DKIMPy.verify(Array(message.data), records: records) == [true])
        }
        server.signal(SIGTERM)
        #expect(try await server.waitForExit(timeout: .seconds(20)).exitCode == 0)
    }
}

/// JSON over HTTP to a live server's `/api/v1`, with a bearer token.
struct LiveAPI {
    let port: Int
    let token: String

    struct Answer {
        let status: Int
        let body: String
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]) ?? [:] }
    }

    func send(_ method: String, _ path: String, json: Any? = nil, body: Data? = nil, contentType: String = "application/json") async throws -> Answer {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/\(path)")!)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = body
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Answer(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: String(decoding: data, as: UTF8.self))
    }

    func waitUntilHealthy(_ process: CarteiroProcess) async throws {
        for _ in 0..<400 {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CarteiroProcess.TimedOut(what: "the server on port \(port); stderr: \(process.standardError.suffix(2000))")
    }
}
