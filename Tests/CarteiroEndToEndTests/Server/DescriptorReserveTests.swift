import CarteiroTesting
import Foundation
import Testing

/// `carteiro serve` under a tight open-file limit, with more idle sockets held open against it
/// than it has descriptors (issue 14, part 1: with `ulimit -n 400`, 450 idle sockets made
/// `/health` time out).
@Suite(.serialized, .timeLimit(.minutes(3))) struct DescriptorReserveTests {
    @Test func healthStillAnswersWhileMoreIdleSocketsAreOpenThanTheProcessHasDescriptors() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let port = try freeLoopbackPort()
        // A head timeout longer than the test: only the reserve can make room.
        let server = try CarteiroProcess(
            [
                "serve", "--roles", "chat", "--port", "\(port)", "--data-dir", folder.path, "--bot", SupportBot.file,
                "--http-head-timeout-seconds", "120",
            ],
            descriptorLimit: 160)
        try await waitForHealth(port: port, server: server)

        var idle: [LoopbackConnection] = []
        for _ in 0..<300 { idle.append(try LoopbackConnection(port: port)) }
        try await Task.sleep(for: .milliseconds(500))

        let started = ContinuousClock.now
        let check = try LoopbackConnection(port: port)
        try await check.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let response = try await check.readResponse(timeout: .seconds(10))
        #expect(check.status == 200, "got \(response.prefix(100).debugDescription) after \(ContinuousClock.now - started)")
        #expect(ContinuousClock.now - started < .seconds(5))

        var closed = 0
        for connection in idle where try await connection.waitUntilClosed(timeout: .milliseconds(1)) { closed += 1 }
        #expect(closed >= 300 - 160, "the oldest idle sockets were closed to make room")
        let exit = try await stop(server)
        #expect(exit.exitCode == 0, "\(exit.standardError.suffix(2000))")
        #expect(!exit.standardError.contains("Too many open files"))
    }

    /// Connections kept alive after a request are idle too: the oldest make room.
    @Test func keptAliveConnectionsIdleBetweenRequestsAreClosedToLetAHealthCheckIn() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let port = try freeLoopbackPort()
        let server = try CarteiroProcess(
            [
                "serve", "--roles", "chat", "--port", "\(port)", "--data-dir", folder.path, "--bot", SupportBot.file,
                "--http-idle-timeout-seconds", "120",
            ],
            descriptorLimit: 160)
        try await waitForHealth(port: port, server: server)

        var keptAlive: [LoopbackConnection] = []
        for _ in 0..<200 {
            let connection = try LoopbackConnection(port: port)
            try await connection.send("GET /ready HTTP/1.1\r\nHost: localhost\r\n\r\n")
            _ = try await connection.readResponse(timeout: .seconds(5))
            #expect(connection.status == 200)
            keptAlive.append(connection)
        }
        let check = try LoopbackConnection(port: port)
        try await check.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        _ = try await check.readResponse(timeout: .seconds(5))
        #expect(check.status == 200)
        #expect(try await keptAlive[0].waitUntilClosed(timeout: .seconds(1)), "the oldest was closed")
        #expect(try await !keptAlive[199].waitUntilClosed(timeout: .milliseconds(1)), "the newest was kept")
        #expect(try await stop(server).exitCode == 0)
    }

    /// When every connection the descriptors allow is busy (WebSockets are never closed to make
    /// room), a new connection is served /health and /ready only.
    @Test func withEveryConnectionBusyANewOneIsServedHealthChecksOnly() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let port = try freeLoopbackPort()
        let server = try CarteiroProcess(
            [
                "serve", "--roles", "chat", "--port", "\(port)", "--data-dir", folder.path, "--bot", SupportBot.file,
                "--chat-max-connections-per-address", "0", "--chat-conversations-per-minute", "0",
            ],
            descriptorLimit: 160)
        try await waitForHealth(port: port, server: server)
        async let held = PythonChatClient.run("hold", ["ws://127.0.0.1:\(port)/chat", "150", "6"])
        try await Task.sleep(for: .seconds(4))

        // Each asks to close after its answer: a kept-alive connection would be idle, and closed
        // to make room for the next.
        let metrics = try LoopbackConnection(port: port)
        try await metrics.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        let refused = try await metrics.readResponse(timeout: .seconds(5))
        #expect(metrics.status == 503, "\(refused.prefix(200))")
        #expect(refused.contains("overloaded"))
        let health = try LoopbackConnection(port: port)
        try await health.send("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        _ = try await health.readResponse(timeout: .seconds(5))
        #expect(health.status == 200)

        let result = try await held
        let welcomed = try #require(result["welcomed"] as? Int)
        #expect(welcomed > 20 && welcomed < 150, "the descriptors allow some, not all: \(welcomed)")
        #expect((result["refused"] as? [Any] ?? []).allSatisfy { $0 as? Int == 503 }, "\(result)")
        let exit = try await stop(server)
        #expect(exit.exitCode == 0, "\(exit.standardError.suffix(2000))")
    }

    private func waitForHealth(port: Int, server: CarteiroProcess) async throws {
        for _ in 0..<400 {
            if let connection = try? LoopbackConnection(port: port) {
                try await connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                _ = try await connection.readResponse(timeout: .seconds(2))
                if connection.status == 200 { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CarteiroProcess.TimedOut(what: "/health on port \(port); stderr: \(server.standardError.suffix(2000))")
    }

    private func stop(_ server: CarteiroProcess) async throws -> CarteiroProcess.Result {
        server.signal(SIGTERM)
        return try await server.waitForExit(timeout: .seconds(30))
    }
}
