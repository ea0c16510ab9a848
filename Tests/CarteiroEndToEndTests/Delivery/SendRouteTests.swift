import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Testing

/// A send goes where it was told: a worker with other relays never takes its jobs.
@Suite(.serialized) struct SendRouteTests {
    @Test func aSendToADeadRelayIsNotTakenByAServerWorkerWithOtherRelaysAndGivesUpNamingTheRelay() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let port = try freeLoopbackPort()
        let server = try CarteiroProcess(["serve", "--roles", "worker", "--data-dir", folder.path, "--port", "\(port)"])
        defer { server.signal(SIGKILL) }
        try await server.waitForStandardError(containing: "listening")
        let dead = try freeLoopbackPort()
        let send = try await CarteiroProcess.run(
            [
                "send", "--from", "a@isp.example", "--subject", "s", "--text", "t", "--to", "ana@example.com", "--data-dir", folder.path,
                "--relay", "smtp://127.0.0.1:\(dead)", "--give-up-after", "4s", "--heartbeat-seconds", "1",
            ], timeout: .seconds(60))
        #expect(send.exitCode == 1, "\(send.standardError)")
        let lastLine = send.standardError.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastLine.contains("127.0.0.1:\(dead)"), "the failing relay is named: \(lastLine)")
        #expect(lastLine.contains("--resume"))
        let outbox = folder.url.appendingPathComponent("outbox").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: outbox)) ?? []).isEmpty, "the server's worker wrote nothing")
        server.signal(SIGTERM)
        _ = try await server.waitForExit(timeout: .seconds(15))
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let counts = try await store.emailJobs.statusCounts(sendID: nil)
        await store.close()
        #expect(counts[.sent] == nil, "nothing was sent")
        #expect((counts[.queued] ?? 0) + (counts[.retryScheduled] ?? 0) == 1, "the job stays queued for --resume: \(counts)")
    }

    @Test func aQueuedSendGivenRelaysIsDeliveredByAWorkerWithTheSameRelaysOnly() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let queued = try await CarteiroProcess.run([
            "send", "--queue-only", "--from", "a@isp.example", "--subject", "s", "--text", "t", "--to", "ana@example.com",
            "--to", "bia@example.com", "--data-dir", folder.path, "--relay", sink.url,
        ])
        #expect(queued.exitCode == 0, "\(queued.standardError)")
        // A worker with other relays (its outbox) leaves them alone …
        let other = try CarteiroProcess(["serve", "--roles", "worker", "--data-dir", folder.path, "--port", "\(try freeLoopbackPort())"])
        try await Task.sleep(for: .seconds(3))
        other.signal(SIGTERM)
        _ = try await other.waitForExit(timeout: .seconds(15))
        #expect(sink.messageCount() == 0)
        // … and one with the send's relay delivers them.
        let same = try CarteiroProcess(["serve", "--roles", "worker", "--data-dir", folder.path, "--port", "\(try freeLoopbackPort())", "--relay", sink.url])
        let messages = await sink.waitForMessages(2, timeout: .seconds(30))
        same.signal(SIGTERM)
        _ = try await same.waitForExit(timeout: .seconds(15))
        #expect(Set(messages.flatMap(\.recipients)) == ["ana@example.com", "bia@example.com"])
    }
}
