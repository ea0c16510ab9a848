import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Testing

/// `carteiro send` killed with SIGKILL mid-send, then resumed: nobody is missed, and only
/// messages in flight at the kill may arrive twice.
@Suite(.serialized) struct SendResumeTests {
    @Test func killedSendFinishedByResumeReachesEveryRecipientWithDuplicatesOnlyFromInFlightMessages() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let total = 5000
        let csv = folder.url.appendingPathComponent("list.csv")
        try ("email,name\n" + (0..<total).map { "user\($0)@example.com,User \($0)\n" }.joined()).write(to: csv, atomically: true, encoding: .utf8)
        let batchSize = 50
        let lanes = 2
        let arguments = [
            "--relay", sink.url, "--data-dir", folder.path, "--lease-seconds", "2", "--batch-size", "\(batchSize)", "--parallel-batches", "\(lanes)",
        ]

        let first = try CarteiroProcess(
            ["send", "--from", "ofertas@isp.example", "--subject", "Oi {{name}}", "--text", "Olá", "--to-file", csv.path] + arguments)
        let deadline = ContinuousClock.now + .seconds(120)
        while sink.messageCount() < 800 {
            guard ContinuousClock.now < deadline else { throw CarteiroProcess.TimedOut(what: "800 messages at the sink") }
            try await Task.sleep(for: .milliseconds(20))
        }
        first.signal(SIGKILL)
        _ = try await first.waitForExit(timeout: .seconds(10))
        let atKill = sink.messageCount()
        #expect(atKill < total, "killed in the middle")

        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let send = try #require(try await store.sends.list(page: .first).items.first)
        await store.close()

        let resumed = try await CarteiroProcess.run(["send", "--resume", send.id.rawValue, "--json"] + arguments, timeout: .seconds(300))
        #expect(resumed.exitCode == 0, "\(resumed.standardError)")

        let messages = sink.messages()
        let recipients = messages.flatMap(\.recipients)
        #expect(Set(recipients).count == total, "every recipient received the message")
        let duplicates = recipients.count - Set(recipients).count
        // In flight at the kill: at most one claimed batch per lane.
        #expect(duplicates <= lanes * batchSize, "\(duplicates) duplicates")
    }
}
