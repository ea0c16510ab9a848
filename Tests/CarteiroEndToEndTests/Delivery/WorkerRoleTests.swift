import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Testing

/// `carteiro serve --roles worker` sends what is queued in its store, and stops gracefully.
@Suite(.serialized) struct WorkerRoleTests {
    @Test func serveWithTheWorkerRoleSendsQueuedJobsThroughItsRelay() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let now = Date()
        let send = try Send(stream: .bulk, from: try EmailAddress("ofertas@isp.example"), subject: "Oi {{name}}", htmlBody: nil, textBody: "Olá", createdAt: now)
        _ = try await store.sends.insert(send)
        let jobs = try (0..<20).map { EmailJob(sendID: send.id, recipient: try EmailAddress("user\($0)@example.com"), stream: .bulk, dueAt: now, createdAt: now) }
        _ = try await store.emailJobs.enqueue(jobs, events: [])
        await store.close()

        let port = try freeLoopbackPort()
        let server = try CarteiroProcess(["serve", "--roles", "worker", "--data-dir", folder.path, "--port", "\(port)", "--relay", sink.url])
        let messages = await sink.waitForMessages(20, timeout: .seconds(30))
        #expect(Set(messages.flatMap(\.recipients)).count == 20)
        server.signal(SIGTERM)
        let result = try await server.waitForExit(timeout: .seconds(15))
        #expect(result.exitCode == 0, "\(result.standardError.suffix(500))")

        let reopened = try SQLiteStore(configuration: .inDirectory(folder.path))
        #expect(try await reopened.emailJobs.statusCounts(sendID: send.id) == [.sent: 20])
        await reopened.close()
    }
}
