import ArgumentParser
import CarteiroBench
import CarteiroServer
import Foundation

@main
struct Carteiro: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "carteiro",
        abstract: "Support chat bot and email automation, self-hosted.",
        version: CarteiroVersion,
        subcommands: [ServeCommand.self, SendCommand.self, DKIMCommand.self, EventsCommand.self, BotCommand.self, ChatCommand.self, TokenCommand.self, MailCommand.self, ReportCommand.self, BenchCommand.self]
    )

    /// Bad input exits 2 with one line, before anything starts (argument-parser's own default
    /// for usage errors is 64).
    static func main() async {
        // Before this task's thread allocates anything: a thread's first allocation gives it an
        // arena of its own, which the setting made later in SendCommand no longer takes back.
        if CommandLine.argc > 1, let first = CommandLine.unsafeArgv[1], strcmp(first, "send") == 0 { MallocTuning.shareOneArena() }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("carteiro: \(error.message)\n".utf8))
            Foundation.exit(error.exitCode)
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data("carteiro: \(fullMessage(for: error).split(separator: "\n").first ?? "")\n".utf8))
                FileHandle.standardError.write(Data("Run 'carteiro help' for usage.\n".utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Writes one line to standard output at once (print is block-buffered on a pipe), so a
/// benchmark's figures appear as they are measured.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// A failure the CLI reports as one line with a chosen exit code.
struct CLIError: Error {
    let message: String
    let exitCode: Int32

    static func badInput(_ message: String) -> CLIError { CLIError(message: message, exitCode: 2) }
    static func failed(_ message: String) -> CLIError { CLIError(message: message, exitCode: 1) }
}
