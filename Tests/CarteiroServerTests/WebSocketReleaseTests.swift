import CarteiroServer
import CarteiroStore
import CarteiroTesting
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing

/// What a WebSocket connection leaves behind once it closed and the server stopped: nothing
/// (issue 14, part 2). Each connection's request context once kept itself alive through the
/// upgrade handler it stored (about 0.75 KB a connection, never given back); the context holds
/// the server's logger, so a log handler still alive after everything stopped is what leaked.
@Suite(.timeLimit(.minutes(2))) struct WebSocketReleaseTests {
    @Test func aClosedWebSocketConnectionKeepsNothingAliveAfterTheServerStops() async throws {
        let log = try await serveAndRelease { port in
            let connection = try LoopbackConnection(port: port)
            try await connection.send(
                "GET /bench/echo HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            let response = try await connection.readResponse()
            #expect(response.hasPrefix("HTTP/1.1 101"))
            // A masked close frame (1000); the server answers it and closes.
            try await connection.send([0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xE8 ^ 2])
            #expect(try await connection.waitUntilClosed(timeout: .seconds(10)))
        }
        #expect(try await released(log))
    }

    @Test func aPlainRequestKeepsNothingAliveAfterTheServerStops() async throws {
        let log = try await serveAndRelease { port in
            let connection = try LoopbackConnection(port: port)
            try await connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(try await connection.readResponse().hasPrefix("HTTP/1.1 200"))
        }
        #expect(try await released(log))
    }

    /// Runs the application with a logger of its own around `body`, stops it, and returns that
    /// logger's handler weakly: nothing else holds it once everything built for the server is gone.
    private func serveAndRelease(_ body: @Sendable (Int) async throws -> Void) async throws -> WeakLog {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        var configuration = try ServerConfiguration(port: 0, dataDirectory: folder.path)
        configuration.chat.benchEcho = true
        let log = CapturedLog()
        let weak = WeakLog(log)
        let runtime = CarteiroRuntime(
            configuration: configuration, store: store, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test") { _ in log })
        do {
            try await runtime.makeApplication().test(.live) { client in try await body(try #require(client.port)) }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        return weak
    }

    /// Whether the handler is gone, allowing the tasks of the stopped server a few seconds to end.
    private func released(_ log: WeakLog) async throws -> Bool {
        for _ in 0..<500 where log.value != nil { try await Task.sleep(for: .milliseconds(10)) }
        return log.value == nil
    }
}

private final class WeakLog: @unchecked Sendable {
    // Read only after the server stopped, from the test's task.
    weak var value: CapturedLog?
    init(_ value: CapturedLog) { self.value = value }
}
