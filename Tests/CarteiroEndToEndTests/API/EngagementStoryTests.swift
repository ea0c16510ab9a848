import CarteiroMIME
import CarteiroTesting
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Engagement as an operator sees it, on the embedded store and on nx-27017: a campaign reaches
/// the SMTP sink; the test reads a message as a mail client would, fetches its pixel and follows
/// its link; the events and the campaign report show them; the one-click POST of its
/// List-Unsubscribe (RFC 8058) unsubscribes the contact; the next campaign leaves them out.
@Suite("engagement story, live", .serialized, .timeLimit(.minutes(5)))
struct EngagementStoryTests {
    enum Backend: String, CaseIterable, Sendable { case sqlite, mongodb }

    /// A person's mail client (scanners and scripts are counted apart).
    static let person = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.0"

    @Test(arguments: Backend.allCases)
    func opensClicksTheReportAndAOneClickUnsubscribeThatTheNextCampaignHonours(_ backend: Backend) async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let live = try await LiveStore.start(mongodb: backend == .mongodb)
        defer { live.stop() }
        let (store, environment) = (live.arguments, live.environment)
        let api = LiveAPI(port: try freeLoopbackPort(), token: try await live.token(name: "ops", scope: "admin"))
        let base = "http://127.0.0.1:\(api.port)"
        // Opens moments after sending count as people's here: the test is the person.
        let server = try CarteiroProcess(
            ["serve", "--roles", "api,worker", "--port", "\(api.port)", "--relay", sink.url, "--public-url", base, "--tracking-machine-window", "0s"]
                + store, environment: environment)
        defer { server.signal(SIGKILL) }
        try await api.waitUntilHealthy(server)

        let template = try await api.send("POST", "templates", json: [
            "name": "Ofertas", "subject": "Ofertas de dezembro",
            "html": #"<html><body><p>Olá {{name}}, veja <a href="https://loja.example/ofertas?plano=fibra&amp;mes=12">as ofertas</a>.</p><p><a href="{{unsubscribe_url}}">Descadastrar</a></p></body></html>"#,
        ])
        #expect(template.status == 201, "\(template.body)")
        let list = try await api.send("POST", "lists", json: ["name": "Clientes"])
        let listID = try #require(list.json["id"] as? String)
        var members: [String] = []
        for email in ["Ana Souza <ana@exemplo.com.br>", "bia@exemplo.com.br", "caio@exemplo.com.br"] {
            let contact = try await api.send("POST", "contacts", json: ["email": email, "status": "confirmed"])
            #expect(contact.status == 201, "\(contact.body)")
            members.append(try #require(contact.json["id"] as? String))
        }
        #expect(try await api.send("POST", "lists/\(listID)/members", json: ["contactIds": members]).status == 200)
        func campaign(_ name: String) async throws -> String {
            let made = try await api.send("POST", "campaigns", json: [
                "name": name, "templateId": try #require(template.json["id"] as? String), "listIds": [listID], "from": "Loja <ofertas@loja.example>",
            ])
            #expect(made.status == 201, "\(made.body)")
            let id = try #require(made.json["id"] as? String)
            #expect(try await api.send("POST", "campaigns/\(id)/send").status == 202)
            return id
        }

        // 1. The campaign reaches the sink.
        let first = try await campaign("Dezembro")
        let delivered = await sink.waitForMessages(3, timeout: .seconds(60))
        #expect(delivered.count == 3)
        let toAna = ParsedMessage.parse(try #require(delivered.first { $0.recipients.contains("ana@exemplo.com.br") }).data)

        // 2. Read as a mail client would: the headers, the pixel, the link.
        let unsubscribe = try #require(toAna.headers.value(for: "List-Unsubscribe"))
        let oneClick = try #require(unsubscribe.split(separator: ",").first.map { String($0.trimmingCharacters(in: .whitespaces).dropFirst().dropLast()) })
        #expect(oneClick.hasPrefix("\(base)/u/"), "\(unsubscribe)")
        #expect(unsubscribe.contains("<mailto:"))
        #expect(toAna.headers.value(for: "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
        let html = try #require(toAna.htmlBody)
        #expect(html.contains(#"href="\#(oneClick)""#), "{{unsubscribe_url}} is the same link, untracked")
        let pixel = try #require(Self.attribute(in: html, after: "<img src=\""))
        let link = try #require(Self.attribute(in: html, after: "<a href=\""))
        #expect(pixel.hasPrefix("\(base)/t/o/") && link.hasPrefix("\(base)/t/c/"), "\(html)")
        #expect(!html.contains("loja.example/ofertas"), "the link goes through the tracker")

        let opened = try await Self.get(pixel)
        #expect(opened.status == 200)
        #expect(opened.contentType == "image/gif")
        let clicked = try await Self.get(link.replacingOccurrences(of: "&amp;", with: "&"))
        #expect(clicked.status == 302)
        #expect(clicked.location == "https://loja.example/ofertas?plano=fibra&mes=12")
        let forged = try await Self.get(link.replacingOccurrences(of: "/t/c/", with: "/t/c/x"))
        #expect(forged.status == 404 && forged.location == nil)

        // 3. The report and the events show them.
        let engagement = try await Self.waitFor("the open and the click in the report") { () -> [String: Any]? in
            let report = try await api.send("GET", "campaigns/\(first)/report")
            let engagement = report.json["engagement"] as? [String: Any]
            let clicks = engagement?["clicks"] as? [String: Int]
            return clicks?["unique"] == 1 ? engagement : nil
        }
        #expect(engagement["opens"] as? [String: Int] == ["unique": 1, "total": 1, "machine": 0])
        #expect((engagement["links"] as? [[String: Any]])?.first?["url"] as? String == "https://loja.example/ofertas?plano=fibra&mes=12")
        #expect((engagement["openRate"] as? Double).map { abs($0 - 1.0 / 3.0) < 0.001 } == true, "\(engagement)")
        let kinds = try await Self.eventKinds(store: store, environment: environment)
        #expect(kinds.filter { $0 == "email.opened" }.count == 1, "\(kinds)")
        #expect(kinds.filter { $0 == "email.clicked" }.count == 1, "\(kinds)")

        // 4. The one-click POST (RFC 8058): 200 at once, no redirect, and the contact is unsubscribed.
        var request = URLRequest(url: URL(string: oneClick)!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data("List-Unsubscribe=One-Click".utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let ana = try await api.send("GET", "contacts?email=ana@exemplo.com.br")
        #expect(((ana.json["items"] as? [[String: Any]])?.first)?["status"] as? String == "unsubscribed", "\(ana.body)")

        // 5. The next campaign leaves Ana out.
        let second = try await campaign("Janeiro")
        let all = await sink.waitForMessages(5, timeout: .seconds(60))
        try await Task.sleep(for: .seconds(1))
        #expect(sink.messages().count == 5, "two more, not three: \(all.count)")
        let later = sink.messages().dropFirst(3).flatMap(\.recipients)
        #expect(!later.contains("ana@exemplo.com.br"))
        let report = try await api.send("GET", "campaigns/\(second)/report")
        #expect((report.json["counts"] as? [String: Int])?["suppressed"] == 1, "\(report.body)")

        // 6. The reports: the first campaign's, as JSON and CSV, through the API and the CLI; the period's usage.
        let full = try await api.send("GET", "reports/campaigns/\(first)")
        #expect(full.status == 200, "\(full.body)")
        #expect(full.json["outcomes"] as? [String: Int] == ["unsubscribed": 1, "bounced": 0, "complained": 0], "\(full.body)")
        let delivery = try #require(full.json["delivery"] as? [String: Any])
        #expect((delivery["relays"] as? [[String: Any]])?.compactMap { $0["sent"] as? Int }.reduce(0, +) == 3, "\(delivery)")
        #expect((delivery["hourly"] as? [[String: Any]])?.compactMap { $0["sent"] as? Int }.reduce(0, +) == 3, "\(delivery)")
        let csv = try await Self.get("\(base)/api/v1/reports/campaigns/\(first)", accept: "text/csv", token: api.token)
        #expect(csv.status == 200)
        #expect(csv.body.hasPrefix("section,name,value\r\n"), "\(csv.body)")
        #expect(csv.body.contains("outcomes,unsubscribed,1\r\n") && csv.body.contains("opens,unique,1\r\n"), "\(csv.body)")
        let from = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-86_400))
        let to = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400))
        let usage = try await api.send("GET", "reports/usage?from=\(from)&to=\(to)")
        #expect(usage.json["sent"] as? [String: Int] == ["bulk": 5, "transactional": 0], "\(usage.body)")
        #expect(try await api.send("GET", "reports/usage?from=\(to)&to=\(from)").status == 422)
        let cli = try await CarteiroProcess.run(["report", "campaign", first] + store, environment: environment)
        #expect(cli.exitCode == 0, "\(cli.standardError)")
        #expect(cli.standardOutput.contains("counts,sent,3\r\n"), "\(cli.standardOutput)")
        let cliUsage = try await CarteiroProcess.run(["report", "usage", "--from", from, "--to", to] + store, environment: environment)
        #expect(cliUsage.standardOutput.contains("sent,bulk,5\r\n"), "\(cliUsage.standardOutput) \(cliUsage.standardError)")
        let bad = try await CarteiroProcess.run(["report", "usage", "--from", "yesterday", "--to", to] + store, environment: environment)
        #expect(bad.exitCode != 0 && bad.standardError.contains("--from"), "\(bad.standardError)")
    }

    /// The value of the first attribute that follows `marker`.
    static func attribute(in html: String, after marker: String) -> String? {
        guard let start = html.range(of: marker) else { return nil }
        return String(html[start.upperBound...].prefix { $0 != "\"" })
    }

    struct Fetched {
        var status: Int
        var location: String?
        var contentType: String?
        var body: String
    }

    /// A GET as a person's mail client or browser makes it, without following redirects.
    static func get(_ url: String, accept: String? = nil, token: String? = nil) async throws -> Fetched {
        var request = URLRequest(url: URL(string: url)!)
        request.setValue(person, forHTTPHeaderField: "User-Agent")
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = response as? HTTPURLResponse
        return Fetched(
            status: http?.statusCode ?? 0, location: http?.value(forHTTPHeaderField: "Location"), contentType: http?.value(forHTTPHeaderField: "Content-Type"),
            body: String(decoding: data, as: UTF8.self))
    }

    /// Every event's kind in the log, as `carteiro events tail --after 0` prints them (`payload.kind`).
    static func eventKinds(store: [String], environment: [String: String]) async throws -> [String] {
        let tail = try CarteiroProcess(["events", "tail", "--after", "0"] + store, environment: environment)
        try await tail.waitForStandardError(containing: "tailing after position")
        try await Task.sleep(for: .seconds(2))
        tail.signal(SIGTERM)
        _ = try await tail.waitForExit(timeout: .seconds(10))
        return tail.outputLines.compactMap { line, _ in
            let event = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            return (event?["payload"] as? [String: Any])?["kind"] as? String
        }
    }

    static func waitFor<T>(_ what: String, timeout: Duration = .seconds(20), _ probe: () async throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = try await probe() { return value }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CarteiroProcess.TimedOut(what: what)
    }
}

/// Stops at a redirect, so the test sees where it leads.
private final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
