import CarteiroDelivery
import CarteiroMail
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Where the worker's relays come from: the configured URLs plus the relays file, which is read
/// again on SIGHUP. With neither, the worker writes .eml files to `<data-dir>/outbox`.
struct RelaySource: Sendable {
    var urls: [String]
    var file: String?
    var fallback: String

    init(configuration: ServerConfiguration) {
        urls = configuration.delivery.relays
        file = configuration.delivery.relaysFile
        fallback = configuration.storage.defaultRelay
    }

    func load() throws(ConfigurationError) -> [RelayDefinition] {
        var definitions: [RelayDefinition] = []
        for url in urls {
            do {
                definitions.append(try RelayDefinition.parse(url))
            } catch {
                throw ConfigurationError(key: "relay", message: error.description)
            }
        }
        if let file {
            let contents: String
            do {
                contents = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ConfigurationError(key: "relays-file", message: "cannot read \(file): \(error.localizedDescription)")
            }
            do {
                for definition in try RelayDefinition.parseFile(contents)
                where !definitions.contains(where: { $0.configuration.name == definition.configuration.name }) {
                    definitions.append(definition)
                }
            } catch {
                throw ConfigurationError(key: "relays-file", message: "\(file) \(error.description)")
            }
        }
        if definitions.isEmpty, let fallback = try? RelayDefinition.parse(fallback) { definitions.append(fallback) }
        return definitions
    }
}

/// Builds transports for relay definitions, keeping a relay's transport (and its open
/// connections) across reloads while its URL is unchanged.
actor RelayInstaller {
    private let logger: Logger
    private var installed: [String: (url: RelayURL, transport: any MailTransport)] = [:]
    /// The relays of the definitions given at start, for the pool's first configuration.
    nonisolated let initialRelays: [(RelayConfiguration, any MailTransport)]

    init(definitions: [RelayDefinition], logger: Logger) {
        self.logger = logger
        var installed: [String: (url: RelayURL, transport: any MailTransport)] = [:]
        initialRelays = definitions.map { definition in
            let transport = definition.makeTransport(logger: logger)
            installed[definition.configuration.name] = (definition.url, transport)
            return (definition.configuration, transport)
        }
        self.installed = installed
    }

    func transports(for definitions: [RelayDefinition]) -> [(RelayConfiguration, any MailTransport)] {
        var next: [String: (url: RelayURL, transport: any MailTransport)] = [:]
        let relays = definitions.map { definition -> (RelayConfiguration, any MailTransport) in
            let name = definition.configuration.name
            if let current = installed[name], current.url == definition.url {
                next[name] = current
                return (definition.configuration, current.transport)
            }
            let transport = definition.makeTransport(logger: logger)
            next[name] = (definition.url, transport)
            return (definition.configuration, transport)
        }
        installed = next
        return relays
    }
}

/// Reloads the relay pool from its source on SIGHUP, without a restart: new relays join,
/// removed ones leave once their batches finish, kept ones keep breaker, health and connections.
/// A source that fails to load is logged and the running relays stay.
struct RelayReloadService: Service {
    let source: RelaySource
    let installer: RelayInstaller
    let pool: RelayPool
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals { await reload() }
        }
    }

    func reload() async {
        do {
            let definitions = try source.load()
            await pool.replaceRelays(await installer.transports(for: definitions))
            logger.notice("relays reloaded", metadata: ["relays": "\(definitions.map(\.configuration.name).joined(separator: ", "))"])
        } catch {
            logger.error("relays not reloaded; the running relays stay", metadata: ["error": "\(error.description)"])
        }
    }
}

extension ServerConfiguration {
    /// Checks the relay URLs and the relays file, so that a bad one stops the start with one line.
    public func validateRelays() throws(ConfigurationError) {
        _ = try RelaySource(configuration: self).load()
    }
}
