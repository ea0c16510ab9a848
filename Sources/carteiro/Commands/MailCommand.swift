import ArgumentParser

/// `carteiro mail …`: working with mail files.
struct MailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail",
        abstract: "Work with mail files.",
        subcommands: [Classify.self]
    )
}
