import CarteiroServer
import CarteiroStore
import CarteiroTesting
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing

/// Plain HTTP connections under hostile clients, through the real application on a free loopback
/// port: each must be answered or closed in bounded time (issue 14, part 1).
@Suite(.timeLimit(.minutes(2))) struct HTTPConnectionGuardTests {
    private func withServer(
        headTimeout: Duration = .seconds(1), idleTimeout: Duration = .seconds(1), _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        var configuration = try ServerConfiguration(port: 0, dataDirectory: folder.path)
        configuration.http.headTimeout = headTimeout
        configuration.http.idleTimeout = idleTimeout
        let runtime = CarteiroRuntime(
            configuration: configuration, store: store, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
        do {
            try await runtime.makeApplication().test(.live) { client in try await body(try #require(client.port)) }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    @Test func aConnectionThatSendsNothingIsClosedWithinTheHeadTimeout() async throws {
        try await withServer(headTimeout: .seconds(1)) { port in
            let connection = try LoopbackConnection(port: port)
            let start = ContinuousClock.now
            #expect(try await connection.waitUntilClosed(timeout: .seconds(10)))
            #expect(ContinuousClock.now - start < .seconds(3))
            #expect(connection.received.isEmpty)
        }
    }

    @Test func aHeadTrickledAFieldAtATimeIsClosedAtTheHeadTimeoutThoughBytesKeepComing() async throws {
        try await withServer(headTimeout: .seconds(1)) { port in
            let connection = try LoopbackConnection(port: port)
            let start = ContinuousClock.now
            try await connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\n")
            var field = 0
            while ContinuousClock.now - start < .seconds(10) {
                guard try await connection.send("X-Slow-\(field): 1\r\n") else { break }
                field += 1
                if try await connection.waitUntilClosed(timeout: .milliseconds(100)) { break }
            }
            #expect(connection.isClosedByPeer)
            #expect(ContinuousClock.now - start < .seconds(3), "closed after \(field) fields")
        }
    }

    @Test func aHeaderFieldOf100KBGets431AndTheConnectionIsClosed() async throws {
        try await withServer { port in
            let connection = try LoopbackConnection(port: port)
            try await connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: \(String(repeating: "a", count: 100 * 1024))\r\n\r\n")
            let response = try await connection.readResponse()
            #expect(connection.status == 431, "\(response.prefix(200))")
            #expect(response.contains("header_fields_too_large"))
            #expect(try await connection.waitUntilClosed(timeout: .seconds(5)))
        }
    }

    @Test func tenThousandHeaderFieldsGet431() async throws {
        try await withServer { port in
            let connection = try LoopbackConnection(port: port)
            let fields = (0..<10_000).map { "X-Field-\($0): v\r\n" }.joined()
            try await connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\(fields)\r\n")
            _ = try await connection.readResponse()
            #expect(connection.status == 431)
            #expect(try await connection.waitUntilClosed(timeout: .seconds(5)))
        }
    }

    @Test func aVersionOtherThanHTTP1Gets505() async throws {
        try await withServer { port in
            let connection = try LoopbackConnection(port: port)
            try await connection.send("GET /health HTTP/9.9\r\nHost: localhost\r\n\r\n")
            _ = try await connection.readResponse()
            #expect(connection.status == 505)
            #expect(try await connection.waitUntilClosed(timeout: .seconds(5)))
        }
    }

    @Test func anUnknownMethodAndGarbageGet400() async throws {
        try await withServer { port in
            for request in ["BREW /health HTTP/1.1\r\nHost: localhost\r\n\r\n", "\u{1}\u{2}\u{3} not http at all\r\n\r\n"] {
                let connection = try LoopbackConnection(port: port)
                try await connection.send(request)
                let response = try await connection.readResponse()
                #expect(connection.status == 400, "\(request.debugDescription): \(response.prefix(200))")
                #expect(response.contains("bad_request"))
                #expect(try await connection.waitUntilClosed(timeout: .seconds(5)))
            }
        }
    }

    @Test func aKeptAliveConnectionIdlePastTheIdleTimeoutIsClosed() async throws {
        try await withServer(headTimeout: .seconds(30), idleTimeout: .seconds(1)) { port in
            let connection = try LoopbackConnection(port: port)
            try await connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            _ = try await connection.readResponse()
            #expect(connection.status == 200)
            let answered = ContinuousClock.now
            #expect(try await connection.waitUntilClosed(timeout: .seconds(10)))
            #expect(ContinuousClock.now - answered < .seconds(3))
        }
    }

    @Test func anOversizeHeadAfterAnAnsweredRequestOnTheSameConnectionAlsoGets431() async throws {
        try await withServer(headTimeout: .seconds(30), idleTimeout: .seconds(30)) { port in
            let connection = try LoopbackConnection(port: port)
            try await connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let first = try await connection.readResponse()
            #expect(connection.status == 200)
            try await connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: \(String(repeating: "a", count: 100 * 1024))\r\n\r\n")
            #expect(try await connection.waitUntilClosed(timeout: .seconds(5)))
            let second = String(connection.received.dropFirst(first.utf8.count).map { Character(UnicodeScalar($0)) })
            #expect(second.hasPrefix("HTTP/1.1 431"), "\(second.prefix(100))")
        }
    }

    @Test func aWellFormedRequestIsStillAnswered() async throws {
        try await withServer { port in
            let connection = try LoopbackConnection(port: port)
            try await connection.send("GET /health HTTP/1.0\r\n\r\n")
            let response = try await connection.readResponse()
            #expect(connection.status == 200)
            #expect(response.contains("\"ok\""))
        }
    }
}
