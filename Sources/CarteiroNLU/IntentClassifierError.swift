/// Why a classifier could not be trained.
///
/// Compare `code` against the static members (`error.code == .tooFewIntents`); new codes may be
/// added without breaking callers.
public struct IntentClassifierError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case tooFewIntents
            case emptyVocabulary
            case invalidConfiguration
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// Fewer than two distinct intents among the examples: there is nothing to tell apart.
        public static var tooFewIntents: Self { .init(.tooFewIntents) }
        /// No example yields a single feature (all empty, or pruned by the minimum document frequency).
        public static var emptyVocabulary: Self { .init(.emptyVocabulary) }
        /// A configuration value outside its range.
        public static var invalidConfiguration: Self { .init(.invalidConfiguration) }

        public var description: String {
            switch value {
            case .tooFewIntents: "too few intents"
            case .emptyVocabulary: "empty vocabulary"
            case .invalidConfiguration: "invalid configuration"
            }
        }
    }

    /// What went wrong.
    public let code: Code
    /// The thing at fault: `examples` or the name of a configuration property.
    public let field: String
    /// A sentence naming the problem.
    public let message: String

    init(_ code: Code, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
