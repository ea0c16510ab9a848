import CarteiroTesting
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `carteiro serve` as a process: bad configuration, an unreachable MongoDB, a real run and a
/// graceful stop.
@Suite(.serialized) struct ServeCommandTests {
    @Test(arguments: [
        (["serve", "--port", "eighty"], "port"),
        (["serve", "--roles", "worker,mailman"], "mailman"),
        (["serve", "--log-format", "xml"], "log-format"),
        (["serve", "--store", "postgres://db/x"], "store"),
        (["serve", "--no-such-flag"], "no-such-flag"),
        // A negative number is a value to check, not a flag ("Missing value for '--port'" before).
        (["serve", "--port", "-1"], "-1 is not a TCP port"),
        (["serve", "--chat-burst", "-5"], "chat-burst"),
        // An empty list used to start every role.
        (["serve", "--roles", ""], "roles"),
    ])
    func badConfigurationExitsTwoWithOneLine(_ arguments: [String], _ mentioned: String) async throws {
        let result = try await CarteiroProcess.run(arguments, timeout: .seconds(20))
        #expect(result.exitCode == 2)
        let firstLine = result.standardError.split(separator: "\n").first.map(String.init) ?? ""
        #expect(firstLine.hasPrefix("carteiro: "))
        #expect(firstLine.contains(mentioned))
    }

    @Test func badEnvironmentVariableIsRefusedLikeAFlag() async throws {
        let result = try await CarteiroProcess.run(["serve"], environment: ["CARTEIRO_PORT": "99999"], timeout: .seconds(20))
        #expect(result.exitCode == 2)
        #expect(result.standardError.contains("99999"))
    }

    @Test func anEmptyRolesVariableIsRefusedNotReadAsAll() async throws {
        let result = try await CarteiroProcess.run(["serve", "--port", "0"], environment: ["CARTEIRO_ROLES": ""], timeout: .seconds(20))
        #expect(result.exitCode == 2)
        #expect(result.standardError.contains("roles"))
    }

    /// The bot file is checked before the store is opened: a bad one leaves no store behind.
    @Test(arguments: ["missing.yml", "broken.yml"])
    func aBadBotFileStopsTheStartBeforeTheStoreIsCreated(_ name: String) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let bot = folder.url.appendingPathComponent(name)
        if name == "broken.yml" { try "intents: [unclosed\n  - : :".write(to: bot, atomically: true, encoding: .utf8) }
        let data = folder.url.appendingPathComponent("data")
        let result = try await CarteiroProcess.run(
            ["serve", "--port", "0", "--roles", "chat", "--data-dir", data.path, "--bot", bot.path], timeout: .seconds(20))
        #expect(result.exitCode == 2)
        #expect(result.standardError.contains("bot"))
        #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("carteiro.sqlite").path))
        #expect(!FileManager.default.fileExists(atPath: data.path), "not even the data folder is created")
    }

    @Test func unreachableMongoDBFailsFastNamingTheURLWithoutItsPassword() async throws {
        let port = try freeLoopbackPort()
        let result = try await CarteiroProcess.run(
            ["serve", "--store", "mongodb://carteiro:hunter2@127.0.0.1:\(port)/carteiro?serverSelectionTimeoutMS=1500"], timeout: .seconds(30))
        #expect(result.exitCode == 2)
        #expect(result.standardError.contains("127.0.0.1:\(port)"))
        #expect(!result.standardError.contains("hunter2"))
        #expect(result.duration < .seconds(15))
    }

    @Test func servesHealthReadyAndMetricsThenStopsGracefullyOnSIGTERM() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let port = try freeLoopbackPort()
        let server = try CarteiroProcess(
            ["serve", "--port", "\(port)", "--data-dir", folder.path, "--log-format", "json"])
        let base = URL(string: "http://127.0.0.1:\(port)")!
        var health: (Int, String)?
        for _ in 0..<200 {
            health = try? await get(base.appendingPathComponent("health"))
            if health != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(health?.0 == 200)
        #expect(try await get(base.appendingPathComponent("ready")).0 == 200)
        let metrics = try await get(base.appendingPathComponent("metrics"))
        #expect(metrics.0 == 200)
        #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("carteiro.sqlite").path))

        server.signal(SIGTERM)
        let result = try await server.waitForExit(timeout: .seconds(12))
        #expect(result.exitCode == 0)
        let lines = result.standardError.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "every log line is JSON: \(line)")
        }
        #expect(result.standardError.contains("carteiro stopped"))
    }

    /// A store file the process may not write (an operator's chmod, as here, or a read-only
    /// mount): SQLite opens it read-only without a word. The process runs as nobody (tests run as
    /// root, whom permissions do not stop). /ready says so with 503, a customer's hello gets
    /// `internal` with an error id and no SQL, and the log has that id with the details.
    @Test func aStoreFileTheProcessCannotWriteIsNotReadyAndCustomersGetAnErrorIDNotSQL() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let data = folder.url.appendingPathComponent("data")
        let nobody = CarteiroProcess.User.nobody
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.ownerAccountID: nobody.uid, .groupOwnerAccountID: nobody.gid], ofItemAtPath: data.path)
        func serve() async throws -> ChatServer {
            let port = try freeLoopbackPort()
            let process = try CarteiroProcess(
                ["serve", "--roles", "chat", "--port", "\(port)", "--data-dir", data.path, "--bot", try ChatServer.botFile], user: nobody)
            let server = ChatServer(process: process, port: port)
            try await server.waitUntilHealthy()
            return server
        }
        // A store that served once, then its file made read-only.
        #expect(try await serve().stop().exitCode == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: data.appendingPathComponent("carteiro.sqlite").path)
        let chat = try await serve()
        let port = chat.port
        let ready = try await get(URL(string: "http://127.0.0.1:\(port)/ready")!)
        #expect(ready.0 == 503)
        #expect(ready.1.contains("read-only"), "\(ready.1)")

        let first = try await PythonChatClient.run("hello", [chat.chatURL]).object("first")
        #expect(first["type"] as? String == "error")
        #expect(first["code"] as? String == "internal")
        let message = try #require(first["message"] as? String)
        for leak in ["INSERT", "SQL", "sqlite", "readonly", data.path] {
            #expect(!message.contains(leak), "the customer is told '\(message)'")
        }
        let incident = try #require(message.split(separator: " ").last.map { $0.trimmingCharacters(in: .punctuationCharacters) })
        let stopped = try await chat.stop()
        #expect(stopped.exitCode == 0)
        let logged = stopped.standardError.split(separator: "\n").filter { $0.contains(incident) }
        #expect(logged.count == 1, "the log line with the details: \(stopped.standardError.suffix(3000))")
        #expect(logged.first?.contains("readonly") == true)
    }

    private func get(_ url: URL) async throws -> (Int, String) {
        let (data, response) = try await URLSession.shared.data(from: url)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
