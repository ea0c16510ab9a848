import CarteiroChatClient
import CarteiroChatProtocol
import Foundation

/// What `carteiro chat` prints, and what it remembers of it: the numbered quick replies and
/// waiting list the next line may refer to, and the conversation an agent is working on.
/// Chat lines go to standard output; connection notices to standard error.
actor ChatScreen {
    private let colors: Bool
    private var quickReplies: [String] = []
    private(set) var waiting: [WaitingConversation] = []
    var currentConversation: String?
    private var lastActivity = ContinuousClock.now

    init(colors: Bool) {
        self.colors = colors
    }

    /// The quick reply a line picks by its number, if it is one.
    func quickReply(for line: String) -> String? {
        guard let number = Int(line), quickReplies.indices.contains(number - 1) else { return nil }
        return quickReplies[number - 1]
    }

    func quietFor(_ duration: Duration) -> Bool { ContinuousClock.now - lastActivity >= duration }

    /// Counts a line the user sent as activity: a script's next line waits for what it brings.
    func userSent() { lastActivity = .now }

    func setCurrentConversation(_ id: String?) { currentConversation = id }

    func show(_ event: SessionEvent) {
        lastActivity = .now
        switch event {
        case let .connected(conversationID, resumed):
            notice(
                resumed
                    ? "reconnected; conversation resumed" : "connected" + (conversationID.map { " (conversation \(TerminalText.escaped($0)))" } ?? "")
            )
        case let .disconnected(reason, retryIn):
            notice(
                "connection lost (\(TerminalText.escaped(reason))); reconnecting in \(retryIn.formatted(.units(allowed: [.seconds, .milliseconds], width: .abbreviated)))"
            )
        case let .frame(frame):
            show(frame)
        }
    }

    func line(_ text: String, color: Color? = nil) {
        let text = colors ? color.map { "\u{1B}[\($0.rawValue)m\(text)\u{1B}[0m" } ?? text : text
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    func notice(_ text: String) {
        let text = colors ? "\u{1B}[2m* \(text)\u{1B}[0m" : "* \(text)"
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    enum Color: Int {
        case red = 31, green = 32, yellow = 33, blue = 34, cyan = 36
    }

    /// Every string in a frame came from the other side (a customer's words, an agent's name, a
    /// server's reason): it is printed through `TerminalText`, so none of it can act on the
    /// terminal or pass for a line of this client's own.
    private func show(_ frame: ServerFrame) {
        switch frame {
        case let .message(message):
            let prefix = Self.prefix(message.conversationID)
            switch message.from {
            case .bot: line(TerminalText.labelled("\(prefix)bot: ", message.text), color: .cyan)
            case .agent: line(TerminalText.labelled("\(prefix)\(TerminalText.escaped(message.agentName ?? "agent")): ", message.text), color: .green)
            case .system: line(TerminalText.labelled("\(prefix)system: ", message.text), color: .yellow)
            case .customer:
                // A customer's own words are on their screen already (they come back on resume).
                if message.conversationID != nil { line(TerminalText.labelled("\(prefix)customer: ", message.text), color: .blue) }
            }
            if message.from != .customer, let replies = message.quickReplies, !replies.isEmpty {
                quickReplies = replies
                line("  " + replies.enumerated().map { "[\($0.offset + 1)] \(TerminalText.escaped($0.element))" }.joined(separator: "  "))
            }
        case let .handoff(_, state, agentName, conversationID):
            let prefix = Self.prefix(conversationID)
            switch state {
            case .queued: line("\(prefix)system: waiting for a human agent…", color: .yellow)
            case .assigned: line("\(prefix)system: \(TerminalText.escaped(agentName ?? "an agent")) joined the conversation", color: .yellow)
            case .returnedToBot: line("\(prefix)system: back with the bot", color: .yellow)
            }
        case let .closed(_, conversationID):
            line("\(Self.prefix(conversationID))system: conversation closed", color: .yellow)
            if conversationID == currentConversation { currentConversation = nil }
        case let .typing(from, conversationID):
            notice("\(Self.prefix(conversationID))\(from.rawValue) is typing…")
        case let .error(code, message, _):
            line(TerminalText.labelled("error \(TerminalText.escaped(code.rawValue)): ", message), color: .red)
        case let .waiting(conversations):
            waiting = conversations
            if conversations.isEmpty { line("no conversation is waiting for an agent", color: .yellow) }
            for (index, conversation) in conversations.enumerated() {
                let intents = conversation.intents.isEmpty ? "" : " intents: \(conversation.intents.joined(separator: ", "))"
                // An email conversation's answers go out by email: the agent sees it at once.
                let byEmail = conversation.channel == "email" ? " by email <\(conversation.email ?? "")>" : ""
                let heading =
                    "  \(index + 1)) \(conversation.conversationID) \(conversation.name ?? conversation.customer)\(byEmail) since \(conversation.waitingSince)\(intents)"
                let last = conversation.lastText.map { " — “\($0)”" } ?? ""
                line(TerminalText.labelled(TerminalText.escaped(heading), last, indent: "    "))
            }
        case let .claimed(conversationID):
            currentConversation = conversationID
            line("you now own conversation \(TerminalText.escaped(conversationID))", color: .yellow)
        case let .history(conversationID, messages):
            line("history of \(TerminalText.escaped(conversationID)):", color: .yellow)
            for message in messages {
                let who = message.from == .agent ? message.agentName ?? "agent" : message.from.rawValue
                line(TerminalText.labelled("  #\(message.sequence) \(TerminalText.escaped(who)): ", message.text, indent: "  "))
            }
        case .welcome, .ack:
            break
        }
    }

    private static func prefix(_ conversationID: String?) -> String {
        conversationID.map { "[\(TerminalText.escaped(String($0.prefix(8))))] " } ?? ""
    }
}

/// Turns an agent's typed line into a frame.
struct AgentConsole {
    let session: AgentSession
    let screen: ChatScreen

    /// False when the agent asked to quit.
    func handle(_ line: String) async throws -> Bool {
        let text = line.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return true }
        let words = text.split(separator: " ", maxSplits: 1).map(String.init)
        let current = await screen.currentConversation
        switch words[0] {
        case "/quit":
            return false
        case "/list":
            await send(.list)
        case "/claim":
            guard words.count == 2 else { return await complain("usage: /claim N|CONVERSATION-ID") }
            let waiting = await screen.waiting
            let id = Int(words[1]).flatMap { waiting.indices.contains($0 - 1) ? waiting[$0 - 1].conversationID : nil } ?? words[1]
            await send(.claim(conversationID: id))
        case "/use":
            guard words.count == 2 else { return await complain("usage: /use CONVERSATION-ID") }
            await screen.setCurrentConversation(words[1])
        case "/history", "/return", "/close":
            guard let current else { return await complain("no current conversation: /claim one first") }
            switch words[0] {
            case "/history": await send(.history(conversationID: current))
            case "/return": await send(.returnToBot(conversationID: current))
            default: await send(.close(conversationID: current))
            }
        default:
            if text.hasPrefix("/") { return await complain("unknown command \(words[0]); try /list, /claim, /history, /use, /return, /close, /quit") }
            guard let current else { return await complain("no current conversation: /claim one first") }
            await send(.message(conversationID: current, clientID: UUID().uuidString.lowercased(), text: text))
        }
        return true
    }

    private func send(_ frame: AgentFrame) async {
        guard await session.send(frame) else {
            if case .message = frame {
                await screen.notice("not connected; the reply is sent once the connection is back")
            } else {
                await screen.notice("not connected; try again once the connection is back")
            }
            return
        }
    }

    private func complain(_ message: String) async -> Bool {
        await screen.line(message, color: .red)
        return true
    }
}
