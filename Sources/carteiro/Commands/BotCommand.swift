import ArgumentParser
import CarteiroChat
import CarteiroNLU
import Foundation

struct BotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bot",
        abstract: "The support bot: classify messages, ask it something, evaluate its classifier on a labelled corpus.",
        subcommands: [Classify.self, Ask.self, Eval.self]
    )

    /// Trains the classifier the bot uses on one CSV and scores it on another.
    struct Eval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train the intent classifier on a CSV (header text,category) and report accuracy on another.",
            discussion: "Prints accuracy, macro-F1, training seconds, microseconds per utterance and a per-intent table."
        )

        @Option(help: "Training CSV with a header naming the text and category columns.")
        var train: String

        @Option(help: "Test CSV, same columns.")
        var test: String

        @Flag(help: "Print the figures as one JSON object.")
        var json = false

        func run() async throws {
            let training: [LabeledUtterance]
            let testing: [LabeledUtterance]
            do {
                training = try LabeledUtterance.load(csvFile: train)
                testing = try LabeledUtterance.load(csvFile: test)
            } catch {
                throw CLIError.badInput("\(error)")
            }
            let benchmark: IntentBenchmark
            do {
                benchmark = try IntentBenchmark.run(training: training, test: testing)
            } catch {
                throw CLIError.badInput("cannot train on \(train): \(error)")
            }
            emit(json ? benchmark.jsonReport() : benchmark.textReport())
        }
    }
}
