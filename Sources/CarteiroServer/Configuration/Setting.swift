public import Configuration

/// What a person reads about one configuration key: its names in a file, on the command line and
/// in the environment, its default and its meaning. `serve --help`, `send --help`, the README's
/// configuration table and the code that reads the key all use this one description (a test
/// checks the README against it).
public protocol SettingDescription: Sendable {
    /// The key in a configuration file, dot-separated (`chat.maxConnections`).
    var key: String { get }
    /// The command-line flag, without dashes (`chat-max-connections`).
    var flag: String { get }
    /// The environment variable (`CARTEIRO_CHAT_MAX_CONNECTIONS`).
    var environment: String { get }
    /// The default as a person writes it; nil when the key has none.
    var defaultText: String? { get }
    var meaning: String { get }
    /// A flag given several times (or a comma list in the environment).
    var isList: Bool { get }
    /// An empty environment variable is a value the setting checks (and may refuse), not unset.
    /// Unset falls back to the default, which is harmless for most keys; for `roles` it is
    /// every role, the broadest thing a process can do, so `CARTEIRO_ROLES=""` must not mean it.
    var emptyIsAValue: Bool { get }
}

/// One configuration key and its typed default. Declared once, beside the code that reads it
/// (as Hummingbird's `Application+ConfigReader.swift` does).
public struct Setting<Value: Sendable>: SettingDescription {
    public let key: String
    public let flag: String
    public let environment: String
    public let defaultValue: Value
    public let meaning: String
    public let isList: Bool
    public let emptyIsAValue: Bool
    private let shownDefault: String?

    /// `shownDefault` replaces the default as written from `defaultValue` (for a derived
    /// default such as "embedded SQLite", or none).
    public init(
        _ key: String, flag: String, environment: String, default defaultValue: Value, shownDefault: String? = nil, emptyIsAValue: Bool = false,
        _ meaning: String
    ) {
        self.key = key
        self.flag = flag
        self.environment = environment
        self.defaultValue = defaultValue
        self.meaning = meaning
        self.shownDefault = shownDefault
        self.emptyIsAValue = emptyIsAValue
        isList = Value.self == [String].self
    }

    public var defaultText: String? {
        if let shownDefault { return shownDefault.isEmpty ? nil : shownDefault }
        switch defaultValue {
        case let list as [String]: return list.isEmpty ? nil : list.joined(separator: ",")
        case let optional as String?: return optional
        case let flag as Bool: return flag ? "on" : "off"
        case let number as Double: return number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : "\(number)"
        default: return "\(defaultValue)"
        }
    }

    public var configKey: ConfigKey { ConfigKey(key) }
}

extension SettingDescription {
    /// The help of the setting's flag: meaning, environment variable and default.
    public var help: String {
        "\(meaning) [env: \(environment)\(isList ? ", comma list" : "")]" + (defaultText.map { " (default: \($0))" } ?? "")
    }
}
