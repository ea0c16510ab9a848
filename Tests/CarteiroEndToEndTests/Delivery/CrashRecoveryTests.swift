import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Testing

/// `carteiro send` killed with SIGKILL mid-send, then a worker with default settings on the same
/// store: the batches the dead process held go out once their short lease runs out, not minutes later.
@Suite(.serialized) struct CrashRecoveryTests {
    @Test func defaultWorkerDeliversEveryJobOfAKilledSendWithin45SecondsOfTheKill() async throws {
        // Each message's DATA is answered after 20 ms, so the send is still going when it is killed.
        let sink = try await SMTPSink.Scripted.start(.init(dataReplyDelay: .milliseconds(20)))
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let total = 1_000
        let csv = folder.url.appendingPathComponent("list.csv")
        try ("email,name\n" + (0..<total).map { "user\($0)@example.com,User \($0)\n" }.joined()).write(to: csv, atomically: true, encoding: .utf8)
        let batchSize = 50
        let lanes = 2

        // The default lease: no --lease-seconds.
        let sender = try CarteiroProcess([
            "send", "--from", "ofertas@isp.example", "--subject", "Oi {{name}}", "--text", "Olá", "--to-file", csv.path, "--relay", sink.url,
            "--data-dir", folder.path, "--batch-size", "\(batchSize)", "--parallel-batches", "\(lanes)",
        ])
        let deadline = ContinuousClock.now + .seconds(60)
        while sink.messageCount() < 200 {
            guard ContinuousClock.now < deadline else { throw CarteiroProcess.TimedOut(what: "200 messages at the sink: \(sender.standardError)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        sender.signal(SIGKILL)
        let killed = ContinuousClock.now
        _ = try await sender.waitForExit(timeout: .seconds(10))
        let atKill = sink.messageCount()
        #expect(atKill < total, "killed in the middle")
        // The jobs the dead process held: only they may have reached the sink without being recorded.
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let send = try #require(try await store.sends.list(page: .first).items.first)
        let inFlight = try await store.emailJobs.statusCounts(sendID: send.id)[.leased] ?? 0
        await store.close()
        #expect(inFlight > 0 && inFlight <= lanes * batchSize, "at most one claimed batch per lane: \(inFlight)")

        let worker = try CarteiroProcess(["serve", "--roles", "worker", "--relay", sink.url, "--port", "0", "--data-dir", folder.path])
        var delivered = 0
        var lastDelivery: ContinuousClock.Instant?
        while ContinuousClock.now < killed + .seconds(45) {
            // The message count includes duplicates: the recipients are only read once it could be complete.
            if sink.messageCount() >= total {
                delivered = Set(sink.messages().flatMap(\.recipients)).count
                if delivered == total {
                    lastDelivery = ContinuousClock.now
                    break
                }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let recovery = try #require(
            lastDelivery.map { $0 - killed },
            "\(delivered) of \(total) recipients reached within 45 s of the kill; worker log:\n\(worker.standardError.suffix(2_000))")

        worker.signal(SIGTERM)
        let stopped = try await worker.waitForExit(timeout: .seconds(20))
        #expect(stopped.exitCode == 0, "\(stopped.standardError.suffix(1_000))")
        let recipients = sink.messages().flatMap(\.recipients)
        #expect(Set(recipients).count == total, "every recipient received the message")
        let duplicates = recipients.count - Set(recipients).count
        print(
            "kill -9 to last job delivered: \(recovery) (\(atKill) messages had arrived at the kill, \(inFlight) jobs were leased, \(duplicates) arrived twice)"
        )
        #expect(duplicates <= inFlight, "\(duplicates) duplicates, \(inFlight) jobs in flight at the kill")

        let reopened = try SQLiteStore(configuration: .inDirectory(folder.path))
        #expect(try await reopened.emailJobs.statusCounts(sendID: send.id) == [.sent: total])
        await reopened.close()
    }
}
