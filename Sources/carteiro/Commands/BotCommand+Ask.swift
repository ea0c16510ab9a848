import ArgumentParser
import CarteiroChat
import Foundation

extension BotCommand {
    /// One message to the bot, as a new conversation's first: what it understood and what it says.
    struct Ask: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send one message to the bot and print the intent it detected and its reply.",
            discussion: """
                Prints `intent: NAME (CONFIDENCE)` (or `intent: none (CONFIDENCE)` below the threshold), `locale: …`, \
                then the bot's replies, its quick replies as `[a | b]`, and the hand-off or actions the message caused.
                """
        )

        @Option(help: "The bot file (YAML).")
        var bot: String

        @Option(help: "The customer's locale; detected from the message when omitted.")
        var locale: String?

        @Argument(help: "The customer's message.")
        var text: String

        func run() async throws {
            let loaded = try BotCommand.loadBot(bot)
            if let locale, !loaded.definition.locales.contains(locale) {
                throw CLIError.badInput("--locale \(locale) is not one of the bot's locales (\(loaded.definition.locales.joined(separator: ", ")))")
            }
            let turn = loaded.respond(to: text, state: DialogueState(locale: locale))
            let confidence = String(format: "%.3f", turn.understanding.confidence)
            if let intent = turn.detectedIntent {
                emit("intent: \(intent) (\(confidence))")
            } else {
                emit("intent: none (\(confidence), best guess \(turn.understanding.intent))")
            }
            emit("locale: \(turn.state.locale ?? loaded.definition.defaultLocale)")
            for reply in turn.replies {
                emit("bot: \(reply.text)")
                if !reply.quickReplies.isEmpty { emit("     [\(reply.quickReplies.joined(separator: " | "))]") }
            }
            for effect in turn.effects {
                switch effect {
                case .handoffRequested(let reason): emit("handoff: \(reason)")
                case .action(let action): emit("action: \(action.event)")
                case .flowCompleted(let name, _): emit("flow completed: \(name)")
                case .intentDetected: break
                }
            }
            if let flow = turn.state.activeFlow { emit("flow: \(flow.name)") }
        }
    }
}
