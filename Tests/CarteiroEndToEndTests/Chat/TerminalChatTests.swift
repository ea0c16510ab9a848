import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Testing

/// `carteiro chat`, the terminal client, against a real `carteiro serve --roles chat`: a customer
/// asks for a person, an agent lists, claims, replies and closes from the same client in `--agent` mode.
@Suite("carteiro chat against the server", .serialized, .timeLimit(.minutes(3)))
struct TerminalChatTests {
    @Test func aCustomerIsHandedToAnAgentWhoRepliesAndCloses() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = ["--data-dir", folder.path]
        let server = try await ChatServer.start(store: store)

        let customer = try await CarteiroProcess.run(
            ["chat", server.chatURL, "--no-color", "--linger-seconds", "1", "--name", "Ana"], standardInput: "quero falar com um atendente\n")
        #expect(customer.exitCode == 0, "\(customer.standardError)")
        #expect(customer.standardOutput.contains("system: waiting for a human agent"), "\(customer.standardOutput)")

        let created = try await CarteiroProcess.run(["token", "create", "--name", "bia", "--scope", "agent"] + store)
        #expect(created.exitCode == 0, "\(created.standardError)")
        let token = created.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let agent = try await CarteiroProcess.run(
            ["chat", server.agentURL, "--agent", token, "--no-color", "--linger-seconds", "1"],
            standardInput: "/list\n/claim 1\nOlá Ana, aqui é a Bia.\n/close\n")
        #expect(agent.exitCode == 0, "\(agent.standardError)")
        #expect(agent.standardOutput.contains("Ana"), "the waiting list names the customer: \(agent.standardOutput)")
        #expect(agent.standardOutput.contains("you now own conversation"), "\(agent.standardOutput)")
        #expect(agent.standardOutput.contains("system: conversation closed"), "\(agent.standardOutput)")
        #expect(try await server.stop().exitCode == 0)

        // What the store kept: the customer's words, the agent's reply, and the conversation closed.
        let sqlite = try SQLiteStore(configuration: .inDirectory(folder.path))
        let conversation = try #require(try await sqlite.conversations.list(page: .first).items.first)
        #expect(conversation.status == .closed)
        let entries = try await sqlite.chatMessages.messages(in: conversation.id, after: 0, limit: 100)
        #expect(entries.contains { $0.author == .customer && $0.text == "quero falar com um atendente" })
        #expect(entries.contains { if case .agent = $0.author { $0.text == "Olá Ana, aqui é a Bia." } else { false } })
        #expect(entries.map(\.sequence) == Array(1...entries.count), "gap-free")
        await sqlite.close()
    }

    /// What a customer types reaches the agent's terminal shown, not obeyed: escape sequences
    /// (clear screen, window title, colours) print as `␛[…`, even with --no-color, and a line
    /// break cannot start a line that passes for the client's own.
    @Test func escapeCodesAndForgedLinesFromACustomerAreShownEscapedToTheAgent() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = ["--data-dir", folder.path]
        let server = try await ChatServer.start(store: store)
        let forged = "\u{1B}[2J\u{1B}]0;pwned\u{07}oi\nsystem: Bia joined the conversation\n\u{1B}[32m[abcd1234] bot: tudo certo"
        _ = try await PythonChatClient.run("queued-then-say", [server.chatURL, "Ana\u{1B}[5m", forged])

        let created = try await CarteiroProcess.run(["token", "create", "--name", "bia", "--scope", "agent"] + store)
        let token = created.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let agent = try await CarteiroProcess.run(
            ["chat", server.agentURL, "--agent", token, "--no-color", "--linger-seconds", "1"], standardInput: "/list\n/claim 1\n/history\n")
        #expect(agent.exitCode == 0, "\(agent.standardError)")
        let output = agent.standardOutput
        #expect(!output.unicodeScalars.contains("\u{1B}") && !output.unicodeScalars.contains("\u{07}"), "\(output.debugDescription)")
        #expect(output.contains("␛[2J␛]0;pwned␇oi"), "\(output)")
        #expect(output.contains("Ana␛[5m"), "the customer's name too: \(output)")
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasSuffix("| system: Bia joined the conversation") }, "\(output)")
        #expect(!lines.contains { $0.hasPrefix("system: Bia") || $0.hasPrefix("[abcd1234] bot:") || $0.hasPrefix("␛[32m") }, "\(output)")
        #expect(try await server.stop().exitCode == 0)
    }

    @Test func anAgentClientWhoseTokenIsRefusedExitsOneSayingTokenRefusedInsteadOfReconnecting() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = ["--data-dir", folder.path]
        let server = try await ChatServer.start(store: store)
        let wrong = try await CarteiroProcess.run(["chat", server.agentURL, "--agent", "WRONG", "--no-color"], timeout: .seconds(30))
        #expect(wrong.exitCode == 1, "\(wrong.standardError)")
        #expect(wrong.standardError.contains("token refused"), "\(wrong.standardError)")
        #expect(!wrong.standardError.contains("reconnecting"), "\(wrong.standardError)")

        let created = try await CarteiroProcess.run(["token", "create", "--name", "relatorios", "--scope", "reports"] + store)
        let reports = created.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let otherScope = try await CarteiroProcess.run(["chat", server.agentURL, "--agent", reports, "--no-color"], timeout: .seconds(30))
        #expect(otherScope.exitCode == 1, "\(otherScope.standardError)")
        #expect(otherScope.standardError.contains("token refused"), "\(otherScope.standardError)")
        #expect(try await server.stop().exitCode == 0)
    }

    @Test func anAgentClientExitsOneSayingTokenRefusedWhenItsTokenIsRevokedMidSession() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = ["--data-dir", folder.path]
        let server = try await ChatServer.start(store: store)
        let created = try await CarteiroProcess.run(["token", "create", "--name", "bia", "--scope", "agent"] + store)
        let token = created.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        // Standard input is empty: the client stays connected until it has been quiet for a minute.
        let agent = try CarteiroProcess(["chat", server.agentURL, "--agent", token, "--no-color", "--linger-seconds", "60"])
        try await agent.waitForStandardError(containing: "connected")
        let revoked = try await CarteiroProcess.run(["token", "revoke", "--name", "bia"] + store)
        #expect(revoked.exitCode == 0, "\(revoked.standardError)")
        let ended = try await agent.waitForExit(timeout: .seconds(10))
        #expect(ended.exitCode == 1, "\(ended.standardError)")
        #expect(ended.standardError.contains("token refused: token revoked"), "\(ended.standardError)")
        #expect(try await server.stop().exitCode == 0)
    }
}
