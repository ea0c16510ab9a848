import CarteiroChat
import CarteiroServer
import CarteiroStore
import CarteiroTesting
import Foundation
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
    @Test(arguments: ["/bench/echo", "/chat"])
    func aClosedWebSocketConnectionKeepsNothingAliveAfterTheServerStops(path: String) async throws {
        let log = try await serveAndRelease { port in try await openAndClose(path, port: port) }
        #expect(try await released(log))
    }

    @Test func aCustomerWhoSaidHelloKeepsNothingAliveAfterTheServerStops() async throws {
        let log = try await serveAndRelease { port in try await openAndClose("/chat", port: port, saying: #"{"type":"hello"}"#) }
        #expect(try await released(log))
    }

    /// Upgrades, sends `text` if any and reads until the server answered it, then closes (1000).
    private func openAndClose(_ path: String, port: Int, saying text: String? = nil) async throws {
        let connection = try LoopbackConnection(port: port)
        try await connection.send(
            "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        let response = try await connection.readResponse()
        #expect(response.hasPrefix("HTTP/1.1 101"))
        if let text {
            try await connection.send(Self.maskedFrame(opcode: 0x1, Array(text.utf8)))
            _ = try await connection.readResponse()
            for _ in 0..<500 where !String(decoding: connection.received, as: UTF8.self).contains("welcome") {
                try await Task.sleep(for: .milliseconds(10))
                _ = try await connection.readResponse(timeout: .milliseconds(10))
            }
        }
        // The server answers a close frame and closes.
        try await connection.send(Self.maskedFrame(opcode: 0x8, [0x03, 0xE8]))
        #expect(try await connection.waitUntilClosed(timeout: .seconds(10)))
    }

    /// A client frame (masked, as clients must) of fewer than 126 bytes.
    private static func maskedFrame(opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let mask: [UInt8] = [1, 2, 3, 4]
        return [0x80 | opcode, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
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
        let bot = try Bot.load(file: try repositoryRoot(startingAt: #filePath).appendingPathComponent("bots/support.yml").path)
        let log = CapturedLog()
        let weak = WeakLog(log)
        let runtime = CarteiroRuntime(
            configuration: configuration, store: store, registry: PrometheusCollectorRegistry(), bot: bot,
            logger: Logger(label: "test") { _ in log })
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
