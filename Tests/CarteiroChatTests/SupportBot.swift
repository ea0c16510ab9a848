import CarteiroChat
import CarteiroTesting
import Foundation

/// The shipped support bot (`bots/support.yml`), loaded and trained once for all suites.
enum SupportBot {
    static let file: String = {
        do {
            return try repositoryRoot(startingAt: #filePath).appendingPathComponent("bots/support.yml").path
        } catch {
            fatalError("no repository root above \(#filePath): \(error)")
        }
    }()

    static let bot: Bot = {
        do {
            return try Bot.load(file: file)
        } catch {
            fatalError("bots/support.yml does not load: \(error)")
        }
    }()

    /// Plays customer messages in order from `state`, returning every turn.
    static func conversation(_ messages: [String], state: DialogueState = DialogueState(), bot: Bot = bot) -> [BotTurn] {
        var state = state
        return messages.map { message in
            let turn = bot.respond(to: message, state: state)
            state = turn.state
            return turn
        }
    }
}
