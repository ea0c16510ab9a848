import CarteiroTesting
import Foundation
import Testing

@Suite("carteiro chat (terminal client)", .timeLimit(.minutes(2)))
struct TerminalClientTests {
    @Test("a dropped connection is resumed: every answer shown once, every message stored once")
    func resumesAfterDrop() async throws {
        let server = try await ScriptedChatServer.start(dropAfterMessage: 2)
        defer { server.stop() }
        let result = try await CarteiroProcess.run(
            ["chat", server.url, "--no-color", "--linger-seconds", "1.5", "--locale", "pt-BR"], standardInput: "um\ndois\ntrês\n")
        #expect(result.exitCode == 0, "\(result.standardError)")

        let answers = result.standardOutput.split(separator: "\n").filter { $0.hasPrefix("bot: ") }
        #expect(answers == ["bot: eco: um", "bot: eco: dois", "bot: eco: três"], "\(result.standardOutput)")
        #expect(result.standardError.contains("connection lost"), "\(result.standardError)")

        let stored = try server.storedMessages().filter { $0["from"] as? String == "customer" }.compactMap { $0["text"] as? String }
        #expect(stored == ["um", "dois", "três"], "each message stored once, in order")

        let hellos = try server.hellos()
        try #require(hellos.count == 2)
        #expect(hellos[0]["resume"] == nil)
        #expect(hellos[0]["locale"] as? String == "pt-BR")
        #expect(hellos[1]["resume"] as? String == "tok-1")
        // "um" took 1 and its answer 2; "dois" (3) and its answer (4) were stored but never sent.
        #expect(hellos[1]["last_sequence"] as? Int == 2)
    }

    @Test("a number picks a quick reply")
    func quickReplyByNumber() async throws {
        let server = try await ScriptedChatServer.start()
        defer { server.stop() }
        let result = try await CarteiroProcess.run(["chat", server.url, "--no-color", "--linger-seconds", "1"], standardInput: "oi\n2\n")
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("[1] sim  [2] não"))
        let stored = try server.storedMessages().filter { $0["from"] as? String == "customer" }.compactMap { $0["text"] as? String }
        #expect(stored == ["oi", "não"])
    }

    @Test("bad arguments exit 2 with one line")
    func badArguments() async throws {
        let badURL = try await CarteiroProcess.run(["chat", "http://127.0.0.1:1/chat"])
        #expect(badURL.exitCode == 2)
        #expect(badURL.standardError.contains("ws://"))
        let badLocale = try await CarteiroProcess.run(["chat", "--locale", "fr"])
        #expect(badLocale.exitCode == 2)
    }
}
