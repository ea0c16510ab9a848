import ArgumentParser
import CarteiroChatClient
import CarteiroChatProtocol
import Foundation
import Logging

/// `carteiro chat`: a line-based terminal client for customers and, with `--agent`, for agents.
/// It reconnects and resumes by itself after a network drop.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with the support bot (or, with --agent, answer customers) from a terminal.",
        discussion: """
            Customer: type a line to send it; a number picks one of the bot's numbered quick replies; /quit ends.
            Agent (--agent TOKEN or CARTEIRO_AGENT_TOKEN): /list, /claim N|ID, /history, /use ID, /return, /close, /quit;
            any other line is a reply in the current conversation.
            Piped input is a script: each line is sent once the answer to the one before has come.
            A token the server refuses (unknown, revoked, expired or of another scope) ends the client with exit status 1.
            When standard input ends, the client waits for the answers still coming, then exits.
            """)

    @Argument(help: "WebSocket URL (default ws://127.0.0.1:8080/chat, or …/agent with --agent).")
    var url: String?

    @Option(help: "Your name, shown to agents.")
    var name: String?

    @Option(help: "Language of the conversation: pt-BR or en (default: detected from what you write).")
    var locale: String?

    @Option(name: .customLong("agent"), help: "Agent token: connect as a human agent.")
    var agentToken: String?

    @Flag(name: .customLong("no-color"), help: "No colours, even on a terminal.")
    var noColor = false

    @Option(name: .customLong("linger-seconds"), help: "After standard input ends, exit once nothing arrived for this long.")
    var lingerSeconds = 2.0

    func validate() throws {
        if let url, !(url.hasPrefix("ws://") || url.hasPrefix("wss://")) {
            throw ValidationError("the URL must start with ws:// or wss:// (got '\(url)')")
        }
        if let locale, !["pt-BR", "en"].contains(locale) { throw ValidationError("--locale must be pt-BR or en (got '\(locale)')") }
        guard lingerSeconds >= 0 else { throw ValidationError("--linger-seconds cannot be negative") }
    }

    func run() async throws {
        do {
            try await chat()
        } catch let error as ChatClientError {
            // A refused token cannot get better by reconnecting: one line, exit 1.
            throw CLIError.failed("\(error)")
        }
    }

    private func chat() async throws {
        var logger = Logger(label: "carteiro.chat")
        logger.logLevel = .error
        let screen = ChatScreen(colors: !noColor && isatty(STDOUT_FILENO) == 1)
        let input = StandardInputLines()
        // Piped input is a script: each line waits until what the one before brought has arrived.
        let scripted = isatty(STDIN_FILENO) != 1
        if let token = agentToken ?? ProcessInfo.processInfo.environment["CARTEIRO_AGENT_TOKEN"] {
            let session = AgentSession(url: url ?? "ws://127.0.0.1:8080/agent", token: token, logger: logger)
            let console = AgentConsole(session: session, screen: screen)
            try await converse(run: { try await session.run(onEvent: $0) }, close: { await session.close() }, screen: screen) {
                for await line in input.lines() {
                    if scripted { await waitUntil(timeout: .seconds(30)) { await screen.quietFor(.milliseconds(300)) } }
                    guard try await console.handle(line) else { break }
                    await screen.userSent()
                }
            }
        } else {
            let session = CustomerSession(
                url: url ?? "ws://127.0.0.1:8080/chat", identity: .init(name: name, locale: locale), logger: logger)
            try await converse(run: { try await session.run(onEvent: $0) }, close: { await session.close() }, screen: screen) {
                for await line in input.lines() {
                    let text = line.trimmingCharacters(in: .whitespaces)
                    if text.isEmpty { continue }
                    if text == "/quit" { break }
                    if scripted {
                        await waitUntil(timeout: .seconds(30)) {
                            let quiet = await screen.quietFor(.milliseconds(300))
                            let unacknowledged = await session.unacknowledged
                            return quiet && unacknowledged == 0
                        }
                    }
                    await session.send(await screen.quickReply(for: text) ?? text)
                    await screen.userSent()
                }
                await waitUntil(timeout: .seconds(30)) { await session.unacknowledged == 0 }
            }
        }
    }

    /// Runs the session while `typing` reads the user's lines; once input ends, waits until
    /// nothing arrived for `--linger-seconds`, then closes.
    private func converse(
        run: @escaping @Sendable (@escaping @Sendable (SessionEvent) async -> Void) async throws -> Void,
        close: @escaping @Sendable () async -> Void, screen: ChatScreen, typing: @escaping @Sendable () async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await run { event in await screen.show(event) } }
            group.addTask {
                try await typing()
                let linger = Duration.milliseconds(Int(lingerSeconds * 1000))
                await waitUntil(timeout: .seconds(60)) { await screen.quietFor(linger) }
                await close()
            }
            // Whichever ends first (the server closed the conversation, or input ended and the
            // answers came) ends the client.
            try await group.next()
            group.cancelAll()
        }
    }
}

/// Polls `condition` every 50 ms until it holds, `timeout` passes or the task is cancelled (the
/// session ended: a refused token must not wait out the linger).
func waitUntil(timeout: Duration, _ condition: @Sendable () async -> Bool) async {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline, !Task.isCancelled, !(await condition()) {
        try? await Task.sleep(for: .milliseconds(50))
    }
}

/// Lines of standard input, read on a thread of its own (reading blocks).
struct StandardInputLines: Sendable {
    func lines() -> AsyncStream<String> {
        AsyncStream { continuation in
            Thread.detachNewThread {
                while let line = readLine(strippingNewline: true) { continuation.yield(line) }
                continuation.finish()
            }
        }
    }
}
