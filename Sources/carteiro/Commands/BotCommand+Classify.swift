import ArgumentParser
import CarteiroChat
import Foundation

extension BotCommand {
    /// Classifies utterances read one per line, answering each at once (a pipe to another program).
    struct Classify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Classify utterances read one per line on standard input.",
            discussion: """
                Writes one JSON object per line: {"confidence": 0.0-1.0, "intent": "name" or null, "text": "..."}; \
                intent is null below the bot's nlu.threshold. Blank lines are skipped.
                """
        )

        @Option(help: "The bot file (YAML).")
        var bot: String

        func run() async throws {
            let loaded = try BotCommand.loadBot(bot)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            while let line = readLine(strippingNewline: true) {
                let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty else { continue }
                let result = loaded.classify(text)
                let json = try encoder.encode(Classification(text: text, intent: result.intent, confidence: result.confidence))
                emit(String(decoding: json, as: UTF8.self))
            }
        }
    }

    /// One line of `bot classify`'s output; `intent` is written as null when absent.
    struct Classification: Encodable {
        var text: String
        var intent: String?
        var confidence: Double

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(text, forKey: .text)
            try container.encode(intent, forKey: .intent)
            try container.encode((confidence * 10_000).rounded() / 10_000, forKey: .confidence)
        }

        enum CodingKeys: String, CodingKey { case text, intent, confidence }
    }

    /// Loads and trains a bot; a bad file is bad input (exit 2, one line naming the file and key).
    static func loadBot(_ file: String) throws -> Bot {
        do {
            return try Bot.load(file: file)
        } catch {
            throw CLIError.badInput(error.description)
        }
    }
}
