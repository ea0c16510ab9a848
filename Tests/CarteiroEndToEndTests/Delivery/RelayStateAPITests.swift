import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A worker's breaker changes reach the store (GET /api/v1/relays) and /metrics, with the queue gauges.
@Suite(.serialized) struct RelayStateAPITests {
    @Test func aRelayDeferringEveryMessageOpensItsBreakerWhichRelaysAndMetricsShow() async throws {
        // Passes its heartbeat (it answers EHLO and NOOP) but defers every recipient.
        let busy = try await SMTPSink.Scripted.start(.init(recipientReplies: [(pattern: ".", reply: "451 4.3.2 System busy, try later")]))
        defer { busy.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let now = Date()
        let send = try Send(stream: .bulk, from: try EmailAddress("ofertas@isp.example"), subject: "Oi", htmlBody: nil, textBody: "Olá", createdAt: now)
        _ = try await store.sends.insert(send)
        let jobs = try (0..<30).map { EmailJob(sendID: send.id, recipient: try EmailAddress("user\($0)@example.com"), stream: .bulk, dueAt: now, createdAt: now) }
        _ = try await store.emailJobs.enqueue(jobs, events: [])

        let created = try await CarteiroProcess.run(["token", "create", "--name", "ops", "--scope", "reports", "--data-dir", folder.path])
        #expect(created.exitCode == 0, "\(created.standardError)")
        let token = created.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let port = try freeLoopbackPort()
        let server = try CarteiroProcess([
            "serve", "--roles", "worker,api", "--data-dir", folder.path, "--port", "\(port)", "--relay", busy.url + "?name=busy", "--heartbeat-seconds", "0.5",
            "--batch-size", "5",
        ])
        try await server.waitForStandardError(containing: "relay breaker open")
        let base = URL(string: "http://127.0.0.1:\(port)")!

        var relays: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            let body = try await get(base.appendingPathComponent("api/v1/relays"), token: token)
            #expect(body.0 == 200, "\(body.1)")
            relays = ((try JSONSerialization.jsonObject(with: Data(body.1.utf8)) as? [String: Any])?["relays"] as? [[String: Any]])?.first ?? [:]
            if (relays["breakers"] as? [[String: Any]])?.first?["state"] as? String == "open", relays["healthy"] as? Bool == true { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(relays["name"] as? String == "busy")
        #expect(relays["healthy"] as? Bool == true, "its heartbeat passes: \(relays)")
        let breaker = (relays["breakers"] as? [[String: Any]])?.first
        #expect(breaker?["state"] as? String == "open", "\(relays)")
        #expect(breaker?["openUntil"] is String)

        let metrics = try await get(base.appendingPathComponent("metrics")).1
        #expect(metrics.contains(#"carteiro_relay_breaker_state{relay="busy"} 2"#), "\(metrics.prefix(3000))")
        #expect(metrics.contains(#"carteiro_relay_healthy{relay="busy"} 1"#))
        #expect(metrics.contains(#"carteiro_relay_breaker_transitions_total{relay="busy",to="open"} 1"#))
        #expect(metrics.contains(#"carteiro_emails_total{relay="busy",outcome="retry"}"#))
        // Every job is still waiting (deferred, not failed) but those leased at that moment (4 batches of 5 at most).
        let bulkDepth = value(of: #"carteiro_queue_depth{stream="bulk"}"#, in: metrics) ?? -1
        #expect((10...30).contains(bulkDepth), "\(metrics.split(separator: "\n").filter { $0.contains("queue") })")
        #expect(value(of: #"carteiro_queue_depth{stream="transactional"}"#, in: metrics) == 0)
        #expect((value(of: #"carteiro_queue_oldest_age_seconds{stream="bulk"}"#, in: metrics) ?? -1) >= 0)

        server.signal(SIGTERM)
        let result = try await server.waitForExit(timeout: .seconds(15))
        #expect(result.exitCode == 0)
        let counts = try await store.emailJobs.statusCounts(sendID: send.id)
        #expect(counts[.failed] == nil && counts[.sent] == nil, "nothing failed or was lost while the relay deferred: \(counts)")
        #expect(counts.values.reduce(0, +) == 30)
        await store.close()
    }

    private func value(of series: String, in metrics: String) -> Double? {
        metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    private func get(_ url: URL, token: String? = nil) async throws -> (Int, String) {
        var request = URLRequest(url: url)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
