import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Testing

/// A relay added or removed in the relays file is picked up on SIGHUP without a restart; a bad
/// file is refused and the running relays stay.
@Suite(.serialized) struct RelayReloadTests {
    @Test func sighupSwitchesTheWorkerToTheRelaysNowInTheFileAndKeepsThemWhenTheFileIsBroken() async throws {
        let first = try await SMTPSink.Scripted.start()
        defer { first.stop() }
        let second = try await SMTPSink.Scripted.start()
        defer { second.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let relaysFile = folder.url.appendingPathComponent("relays.txt")
        try "# the relays of this test\n\(first.url)?weight=2\n".write(to: relaysFile, atomically: true, encoding: .utf8)

        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let send = try Send(stream: .bulk, from: try EmailAddress("ofertas@isp.example"), subject: "Oi", htmlBody: nil, textBody: "Olá", createdAt: Date())
        _ = try await store.sends.insert(send)
        func enqueue(_ range: Range<Int>) async throws {
            let now = Date()
            let jobs = try range.map { EmailJob(sendID: send.id, recipient: try EmailAddress("user\($0)@example.com"), stream: .bulk, dueAt: now, createdAt: now) }
            _ = try await store.emailJobs.enqueue(jobs, events: [])
        }
        try await enqueue(0..<10)

        let server = try CarteiroProcess([
            "serve", "--roles", "worker", "--data-dir", folder.path, "--port", "\(try freeLoopbackPort())", "--relays-file", relaysFile.path,
            "--heartbeat-seconds", "0.2",
        ])
        #expect(await first.waitForMessages(10, timeout: .seconds(30)).count == 10)

        try "\(second.url)\n".write(to: relaysFile, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        try await server.waitForStandardError(containing: "relays reloaded")
        try await enqueue(10..<20)
        #expect(await second.waitForMessages(10, timeout: .seconds(30)).count == 10)
        #expect(first.messageCount() == 10, "the relay removed from the file got traffic after the reload")

        try "smtp://\n".write(to: relaysFile, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        try await server.waitForStandardError(containing: "relays not reloaded")
        try await enqueue(20..<25)
        #expect(await second.waitForMessages(15, timeout: .seconds(30)).count == 15)

        server.signal(SIGTERM)
        let result = try await server.waitForExit(timeout: .seconds(15))
        #expect(result.exitCode == 0, "\(result.standardError.suffix(500))")
        #expect(try await store.emailJobs.statusCounts(sendID: send.id) == [.sent: 25])
        await store.close()
    }

    @Test func serveRefusesABrokenRelaysFileAtStartWithOneLineNamingTheLine() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let relaysFile = folder.url.appendingPathComponent("relays.txt")
        try "smtp://127.0.0.1:2525\n\nsmtp://127.0.0.1:2526?weight=-1\n".write(to: relaysFile, atomically: true, encoding: .utf8)
        let result = try await CarteiroProcess.run(["serve", "--roles", "worker", "--data-dir", folder.path, "--relays-file", relaysFile.path])
        #expect(result.exitCode == 2)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("line 3") && lines[0].contains("weight"), "\(result.standardError)")
    }
}
