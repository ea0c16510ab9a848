/// Why a bot file cannot be used: the file, the key path of the offending value
/// (`intents.signup.flow`, `flows.signup.slots[0].ask.en`) and what is wrong with it.
///
/// Compare `code` against the static members; new codes may be added without breaking callers.
public struct BotDefinitionError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case unreadable, syntax, invalidValue, unknownReference, missingLocale, badRegex, emptyExamples, badTemplate, untrainable
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The file could not be read.
        public static var unreadable: Self { .init(.unreadable) }
        /// Not YAML.
        public static var syntax: Self { .init(.syntax) }
        /// A key is missing, has the wrong type, or a value is out of range.
        public static var invalidValue: Self { .init(.invalidValue) }
        /// A name that is defined nowhere: an intent, a flow, an entity or a locale.
        public static var unknownReference: Self { .init(.unknownReference) }
        /// A text list lacks one of the bot's `locales`.
        public static var missingLocale: Self { .init(.missingLocale) }
        /// An entity's regular expression does not compile.
        public static var badRegex: Self { .init(.badRegex) }
        /// An intent, or one of its locales, has no training example.
        public static var emptyExamples: Self { .init(.emptyExamples) }
        /// A mustache template does not compile.
        public static var badTemplate: Self { .init(.badTemplate) }
        /// The classifier cannot be trained on the examples.
        public static var untrainable: Self { .init(.untrainable) }

        public var description: String {
            switch value {
            case .unreadable: "unreadable"
            case .syntax: "syntax"
            case .invalidValue: "invalid value"
            case .unknownReference: "unknown reference"
            case .missingLocale: "missing locale"
            case .badRegex: "bad regex"
            case .emptyExamples: "empty examples"
            case .badTemplate: "bad template"
            case .untrainable: "untrainable"
            }
        }
    }

    public let code: Code
    /// The bot file as it was given.
    public let file: String
    /// Dotted path of the offending key, with `[n]` for list items; empty for the whole file.
    public let keyPath: String
    public let message: String

    package init(_ code: Code, file: String, keyPath: String, _ message: String) {
        self.code = code
        self.file = file
        self.keyPath = keyPath
        self.message = message
    }

    /// One line: `bots/support.yml: intents.signup.flow: unknown flow 'sign_up'`.
    public var description: String {
        keyPath.isEmpty ? "\(file): \(message)" : "\(file): \(keyPath): \(message)"
    }
}
