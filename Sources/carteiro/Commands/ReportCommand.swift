import ArgumentParser
import CarteiroDomain
import CarteiroUseCases
import Foundation

/// `carteiro report campaign ID` and `carteiro report usage --from --to`: the API's reports,
/// read from the store, as `section,name,value` CSV rows on standard output.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print a campaign's report or a period's usage as CSV (section,name,value).",
        subcommands: [Campaign.self, Usage.self]
    )

    /// Opens the store, prints what `report` makes of it, and closes the store whatever happens.
    static func print(from options: StoreOptions, _ report: (any Store) async throws -> String) async throws {
        let store = try await EventsCommand.openStore(options)
        do {
            FileHandle.standardOutput.write(Data(try await report(store).utf8))
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    struct Campaign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A campaign's counters, delivery per relay and hour, failures by reason, opens, clicks, links and outcomes.")

        @OptionGroup var storeOptions: StoreOptions

        @Argument(help: "The campaign's id.")
        var id: String

        func run() async throws {
            try await ReportCommand.print(from: storeOptions) { store in
                guard let campaign = try await store.campaigns.get(CampaignID(rawValue: id)) else {
                    throw CLIError.badInput("no campaign \(id) in the store")
                }
                return ReportCSV.campaign(try await Reports(store: store).campaign(campaign))
            }
        }
    }

    struct Usage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Messages sent by stream, conversations (bot only, handed to agents), sign-ups and confirmed contacts in a period.")

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "Start of the period (included): 2026-12-01 or 2026-12-01T00:00:00Z.")
        var from: String

        @Option(help: "End of the period (excluded): 2027-01-01 or an ISO 8601 time.")
        var to: String

        func run() async throws {
            guard let start = Self.date(from) else { throw CLIError.badInput("--from '\(from)' is not a date such as 2026-12-01") }
            guard let end = Self.date(to) else { throw CLIError.badInput("--to '\(to)' is not a date such as 2027-01-01") }
            guard start < end else { throw CLIError.badInput("--from must be before --to") }
            try await ReportCommand.print(from: storeOptions) { store in
                ReportCSV.usage(try await Reports(store: store).usage(from: start, to: end))
            }
        }

        /// A UTC day (`2026-12-01`) or an ISO 8601 time with its offset.
        static func date(_ text: String) -> Date? {
            let formatter = ISO8601DateFormatter()
            if let time = formatter.date(from: text) { return time }
            formatter.formatOptions = [.withFullDate]
            formatter.timeZone = TimeZone(identifier: "UTC")
            return formatter.date(from: text)
        }
    }
}
