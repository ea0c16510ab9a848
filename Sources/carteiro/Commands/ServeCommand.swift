import ArgumentParser
import CarteiroDomain
import CarteiroMail
import CarteiroServer
import Foundation
import Logging
import Metrics
import Prometheus

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Carteiro's services (HTTP health, readiness and metrics, plus the selected roles).",
        discussion: "Every option can also come from its CARTEIRO_* environment variable; a flag wins over the environment."
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Address to listen on. [env: CARTEIRO_HOST] (default: 127.0.0.1)")
    var host: String?

    @Option(help: "HTTP port; 0 picks a free one. [env: CARTEIRO_PORT] (default: 8080)")
    var port: String?

    @Option(help: "Comma list of roles (api, chat, worker, scheduler, inbox) or 'all'. [env: CARTEIRO_ROLES] (default: all)")
    var roles: String?

    @Option(name: .customLong("relay"), help: "Relay for the worker role (repeatable): smtp://…, smtps://… or file:///folder. [env: CARTEIRO_RELAYS, comma-separated] (default: file://<data-dir>/outbox)")
    var relays: [String] = []

    @Option(name: .customLong("log-format"), help: "text or json. [env: CARTEIRO_LOG_FORMAT] (default: text)")
    var logFormat: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical. [env: CARTEIRO_LOG_LEVEL] (default: info)")
    var logLevel: String?

    func run() async throws {
        let configuration = try makeConfiguration()
        let logger = LoggingSetup.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let store: any Store
        do {
            store = try await StoreFactory.open(configuration.store, logger: logger)
        } catch {
            throw CLIError.badInput("cannot open the store \(configuration.store): \(error)")
        }
        let runtime = CarteiroRuntime(configuration: configuration, store: store, registry: registry, logger: logger)
        try await runtime.run { port in
            logger.info("listening", metadata: ["url": "http://\(configuration.host):\(port)"])
        }
    }

    func makeConfiguration() throws -> ServerConfiguration {
        do {
            let portText = port ?? Environment.value("CARTEIRO_PORT") ?? "8080"
            guard let portNumber = Int(portText) else { throw ConfigurationError(key: "port", message: "'\(portText)' is not a number") }
            let formatText = logFormat ?? Environment.value("CARTEIRO_LOG_FORMAT") ?? "text"
            guard let format = ServerConfiguration.LogFormat(rawValue: formatText) else {
                throw ConfigurationError(key: "log-format", message: "'\(formatText)' is not text or json")
            }
            let relayList = relays.isEmpty
                ? (Environment.value("CARTEIRO_RELAYS")?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } ?? []) : relays
            for relay in relayList {
                do {
                    _ = try RelayURL.parse(relay)
                } catch {
                    throw ConfigurationError(key: "relay", message: error.description)
                }
            }
            var configuration = try ServerConfiguration(
                host: host ?? Environment.value("CARTEIRO_HOST") ?? "127.0.0.1",
                port: portNumber,
                dataDirectory: storeOptions.resolvedDataDirectory,
                store: try storeOptions.location(),
                roles: try Role.parseList(roles ?? Environment.value("CARTEIRO_ROLES") ?? "all"),
                logFormat: format,
                logLevel: logLevel ?? Environment.value("CARTEIRO_LOG_LEVEL") ?? "info"
            )
            configuration.relays = relayList
            return configuration
        } catch let error as ConfigurationError {
            throw CLIError.badInput(error.description)
        }
    }
}
