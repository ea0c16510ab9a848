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
}
