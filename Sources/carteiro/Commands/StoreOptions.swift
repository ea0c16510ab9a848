import ArgumentParser
import CarteiroServer
import Configuration
import Foundation

/// `--config`, `--data-dir`, `--store` and `--sqlite-cache-mb`: shared by every command that
/// opens the store. Their keys are declared in `StoreConfiguration`.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "YAML or JSON configuration file; flags and CARTEIRO_* variables win over it. [env: CARTEIRO_CONFIG]")
    var configFile: String?

    @Option(name: .customLong(StoreConfiguration.Keys.dataDirectory.flag), help: .init(StoreConfiguration.Keys.dataDirectory.help))
    var dataDirectory: String?

    @Option(name: .customLong(StoreConfiguration.Keys.url.flag), help: .init(StoreConfiguration.Keys.url.help))
    var store: String?

    @Option(
        name: .customLong(StoreConfiguration.Keys.sqliteCacheMegabytes.flag), parsing: .unconditional,
        help: .init(StoreConfiguration.Keys.sqliteCacheMegabytes.help))
    var sqliteCacheMegabytes: Int?

    /// `CARTEIRO_MONGO_COMPOUND_INDEXES=0`: build no `{field: 1, _id: 1}` paging indexes, for
    /// MongoDB-compatible servers that fail inserts with them (nx-27017 in the tests).
    var compoundPagingIndexes: Bool { Environment.value("CARTEIRO_MONGO_COMPOUND_INDEXES") != "0" }

    /// The configuration sources of a command that reads `settings`, with these flags set.
    func sources(settings: [any SettingDescription]) -> ConfigurationSources {
        var sources = ConfigurationSources(settings: settings, file: configFile ?? Environment.value("CARTEIRO_CONFIG"))
        sources.flag(StoreConfiguration.Keys.dataDirectory, dataDirectory)
        sources.flag(StoreConfiguration.Keys.url, store)
        sources.flag(StoreConfiguration.Keys.sqliteCacheMegabytes, sqliteCacheMegabytes)
        return sources
    }

    /// The store configuration alone, for commands that read nothing else.
    func storeConfiguration() async throws -> StoreConfiguration {
        try await Self.read(sources(settings: StoreConfiguration.Keys.all)) { reader throws(ConfigurationError) in
            try StoreConfiguration(reader: reader)
        }
    }

    func location() async throws -> StoreLocation { try await storeConfiguration().location }

    /// Reads a configuration from its sources; any problem becomes the one line the CLI prints.
    static func read<Value>(_ sources: ConfigurationSources, _ body: (ConfigReader) throws(ConfigurationError) -> Value) async throws -> Value {
        do {
            let reading = try await sources.makeReader()
            let value = try body(reading.reader)
            try reading.check()
            return value
        } catch {
            throw CLIError.badInput(error.description)
        }
    }
}

/// The delivery keys as flags, shared by `send` and `serve`. Their keys are declared in
/// `DeliveryConfiguration`.
struct DeliveryOptions: ParsableArguments {
    typealias Keys = DeliveryConfiguration.Keys

    @Option(name: .customLong(Keys.relays.flag), help: .init(Keys.relays.help)) var relays: [String] = []
    @Option(name: .customLong(Keys.relaysFile.flag), help: .init(Keys.relaysFile.help)) var relaysFile: String?
    @Option(name: .customLong(Keys.route.flag), help: .init(Keys.route.help)) var route: String?
    @Option(name: .customLong(Keys.strategy.flag), help: .init(Keys.strategy.help)) var strategy: String?
    @Option(name: .customLong(Keys.heartbeatSeconds.flag), parsing: .unconditional, help: .init(Keys.heartbeatSeconds.help)) var heartbeatSeconds:
        Double?
    @Option(name: .customLong(Keys.batchSize.flag), parsing: .unconditional, help: .init(Keys.batchSize.help)) var batchSize: Int?
    @Option(name: .customLong(Keys.leaseSeconds.flag), parsing: .unconditional, help: .init(Keys.leaseSeconds.help)) var leaseSeconds: Int?
    @Option(name: .customLong(Keys.domainLimits.flag), help: .init(Keys.domainLimits.help)) var domainLimits: [String] = []
    @Option(name: .customLong(Keys.maxAttempts.flag), parsing: .unconditional, help: .init(Keys.maxAttempts.help)) var maxAttempts: Int?
    @Option(name: .customLong(Keys.backoffBaseSeconds.flag), parsing: .unconditional, help: .init(Keys.backoffBaseSeconds.help))
    var backoffBaseSeconds: Double?
    @Option(name: .customLong(Keys.backoffCapSeconds.flag), parsing: .unconditional, help: .init(Keys.backoffCapSeconds.help)) var backoffCapSeconds:
        Double?
    @Option(name: .customLong(Keys.dkim.flag), help: .init(Keys.dkim.help)) var dkim: [String] = []

    func addFlags(to sources: inout ConfigurationSources) {
        sources.flag(Keys.relays, relays)
        sources.flag(Keys.relaysFile, relaysFile)
        sources.flag(Keys.route, route)
        sources.flag(Keys.strategy, strategy)
        sources.flag(Keys.heartbeatSeconds, heartbeatSeconds)
        sources.flag(Keys.batchSize, batchSize)
        sources.flag(Keys.leaseSeconds, leaseSeconds)
        sources.flag(Keys.domainLimits, domainLimits)
        sources.flag(Keys.maxAttempts, maxAttempts)
        sources.flag(Keys.backoffBaseSeconds, backoffBaseSeconds)
        sources.flag(Keys.backoffCapSeconds, backoffCapSeconds)
        sources.flag(Keys.dkim, dkim)
    }
}

enum Environment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}
