public import Configuration
import Foundation
import Synchronization
import SystemPackage

/// Where a command's configuration comes from, in order: command-line flags, then `CARTEIRO_*`
/// environment variables, then an optional file (`--config FILE`, YAML or JSON), then each
/// setting's default. Read once, through apple/swift-configuration, at the entry point.
public struct ConfigurationSources: Sendable {
    /// Values given as flags, by setting key.
    private var flags: [AbsoluteConfigKey: ConfigValue] = [:]
    private let environment: [String: String]
    private let file: String?
    /// The settings the command reads: environment variables are looked up by these names.
    private let settings: [any SettingDescription]

    /// Empty environment values count as unset, as they always have (`CARTEIRO_STORE=` in a
    /// compose file keeps the default), except for settings where an empty value is a value
    /// (`emptyIsAValue`): those read it and refuse it. `environment` nil: this process's.
    public init(settings: [any SettingDescription], file: String?, environment: [String: String]? = nil) {
        self.settings = settings
        self.file = file
        let keptEmpty = Set(settings.filter(\.emptyIsAValue).map(\.environment))
        self.environment = (environment ?? ProcessInfo.processInfo.environment).filter { !$0.value.isEmpty || keptEmpty.contains($0.key) }
    }

    public mutating func flag(_ setting: Setting<Int>, _ value: Int?) { set(setting.key, value.map { .int($0) }) }
    public mutating func flag(_ setting: Setting<Double>, _ value: Double?) { set(setting.key, value.map { .double($0) }) }
    public mutating func flag(_ setting: Setting<String>, _ value: String?) { set(setting.key, value.map { .string($0) }) }
    public mutating func flag(_ setting: Setting<String?>, _ value: String?) { set(setting.key, value.map { .string($0) }) }
    public mutating func flag(_ setting: Setting<[String]>, _ values: [String]) { set(setting.key, values.isEmpty ? nil : .stringArray(values)) }
    /// A switch counts only when given: its absence leaves the environment and the file to decide.
    public mutating func flag(_ setting: Setting<Bool>, _ on: Bool) { set(setting.key, on ? .bool(true) : nil) }

    private mutating func set(_ key: String, _ content: ConfigContent?) {
        guard let content else { return }
        flags[AbsoluteConfigKey(ConfigKey(key))] = ConfigValue(content, isSecret: false)
    }

    /// The reader over every source, and the problems it met while the caller reads (a value
    /// of the wrong type, an unreadable file). A missing `--config` file is an error.
    public func makeReader() async throws(ConfigurationError) -> ConfigurationReading {
        let byKey = Dictionary(settings.map { ($0.key, $0.environment) }, uniquingKeysWith: { first, _ in first })
        let variables = EnvironmentVariablesProvider(
            environmentVariables: environment, secretsSpecifier: .specific(["CARTEIRO_STORE"]))
        // A setting's variable is named in its description (CARTEIRO_PORT for `http.port`):
        // the provider is asked for that name as a key of one component, which it leaves as is.
        let namedVariables = KeyMappingProvider(upstream: variables) { key in
            AbsoluteConfigKey([byKey[key.components.joined(separator: ".")] ?? "CARTEIRO_UNKNOWN"])
        }
        var providers: [any ConfigProvider] = [InMemoryProvider(name: "flags", values: flags), namedVariables]
        if let file {
            do {
                if file.lowercased().hasSuffix(".json") {
                    providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(file)))
                } else {
                    providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(file)))
                }
            } catch {
                throw ConfigurationError(key: "config", message: "cannot read \(file): \(Self.plain(error))")
            }
        }
        let problems = ConfigurationProblems(settings: settings)
        return ConfigurationReading(reader: ConfigReader(providers: providers, accessReporter: problems), problems: problems)
    }

    static func plain(_ error: any Error) -> String {
        let text = "\(error)"
        return text.split(separator: "\n").first.map(String.init) ?? text
    }
}

/// A configuration reader and the problems found through it.
public struct ConfigurationReading: Sendable {
    public let reader: ConfigReader
    let problems: ConfigurationProblems

    /// Throws the first problem met so far, naming its key: a value that is not of its
    /// setting's type is refused, never replaced by the default.
    public func check() throws(ConfigurationError) {
        if let problem = problems.first() { throw problem }
    }
}

/// Collects what went wrong while settings were read: swift-configuration's non-throwing
/// getters fall back to the default on a bad value and tell only their access reporter.
final class ConfigurationProblems: AccessReporter, Sendable {
    private let settings: [String: any SettingDescription]
    private let found = Mutex<[ConfigurationError]>([])

    init(settings: [any SettingDescription]) {
        self.settings = Dictionary(settings.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func report(_ event: AccessEvent) {
        let key = event.metadata.key.components.joined(separator: ".")
        let setting = settings[key]
        let name = setting?.flag ?? key
        var reasons: [String] = []
        for provider in event.providerResults {
            if case .failure(let error) = provider.result { reasons.append(ConfigurationSources.plain(error)) }
        }
        if let error = event.conversionError { reasons.append(ConfigurationSources.plain(error)) }
        guard let reason = reasons.first else { return }
        let where_ = setting.map { " (--\($0.flag), \($0.environment) or `\($0.key)` in the file)" } ?? ""
        found.withLock { $0.append(ConfigurationError(key: name, message: "\(reason)\(where_)")) }
    }

    func first() -> ConfigurationError? { found.withLock { $0.first } }
}
