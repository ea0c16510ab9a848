import ArgumentParser
import CarteiroDomain
import CarteiroEvents
import CarteiroServer
import Foundation
import Logging

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Look at the event log: follow it, or list what a subscriber parked.",
        subcommands: [Tail.self, Parked.self]
    )

    /// Prints events as JSON lines as they are appended, from any process on the same store.
    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print events as JSON lines as they are appended.")

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "Start after this position (default: the end of the log; 0 for everything).")
        var after: Int64?

        @Option(help: "Exit after printing this many events.")
        var count: Int?

        func run() async throws {
            let store = try await EventsCommand.openStore(storeOptions)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            var position: Int64
            if let after { position = after } else { position = try await store.events.lastPosition() }
            var printed = 0
            let signals = store.events.appendSignals()
            let doorbell = Doorbell()
            let forwarding = Task {
                for await _ in signals { doorbell.ring() }
            }
            defer { forwarding.cancel() }
            // Announce readiness on stderr so scripts (and tests) know appends from now on are seen.
            FileHandle.standardError.write(Data("tailing after position \(position)\n".utf8))
            while count.map({ printed < $0 }) ?? true {
                let events = try await store.events.read(after: position, limit: 500)
                for event in events {
                    var line = try encoder.encode(event)
                    line.append(UInt8(ascii: "\n"))
                    FileHandle.standardOutput.write(line)
                    printed += 1
                    position = event.position ?? position
                    if let count, printed >= count { break }
                }
                if events.isEmpty {
                    // Woken by the change feed, or re-read after a short poll on backends without one.
                    await doorbell.wait(upTo: .milliseconds(200))
                }
            }
            await store.close()
        }
    }

    struct Parked: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the events a subscriber parked, with their errors, as JSON lines.")

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "Subscriber name.")
        var subscriber: String

        func run() async throws {
            let store = try await EventsCommand.openStore(storeOptions)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            for parked in try await store.events.parked(subscriber: subscriber) {
                struct Line: Encodable {
                    let event: DomainEvent
                    let error: String
                    let parkedAt: Date
                }
                var line = try encoder.encode(Line(event: parked.event, error: parked.error, parkedAt: parked.parkedAt))
                line.append(UInt8(ascii: "\n"))
                FileHandle.standardOutput.write(line)
            }
            await store.close()
        }
    }

    static func openStore(_ options: StoreOptions) async throws -> any Store {
        var logger = Logger(label: "carteiro.events")
        logger.logLevel = .warning
        let location = try await options.location()
        do {
            return try await StoreFactory.open(location, compoundPagingIndexes: options.compoundPagingIndexes, logger: logger)
        } catch {
            throw CLIError.badInput("cannot open the store \(location): \(error)")
        }
    }
}
