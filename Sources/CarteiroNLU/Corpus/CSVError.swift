/// Why a CSV file could not be read, with the line (1-based) where reading stopped.
///
/// Compare `code` against the static members (`error.code == .unterminatedQuote`); new codes
/// may be added without breaking callers.
public struct CSVError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case unreadableFile
            case unterminatedQuote
            case unexpectedCharacterAfterQuote
            case quoteInUnquotedField
            case missingColumn
            case wrongFieldCount
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The file does not exist, cannot be read, or is not UTF-8.
        public static var unreadableFile: Self { .init(.unreadableFile) }
        /// A quoted field runs to the end of the input.
        public static var unterminatedQuote: Self { .init(.unterminatedQuote) }
        /// A closing quote followed by something other than a comma or a line break.
        public static var unexpectedCharacterAfterQuote: Self { .init(.unexpectedCharacterAfterQuote) }
        /// A quote inside a field that does not start with one.
        public static var quoteInUnquotedField: Self { .init(.quoteInUnquotedField) }
        /// The header has no column of the expected name.
        public static var missingColumn: Self { .init(.missingColumn) }
        /// A record with a different number of fields than the header.
        public static var wrongFieldCount: Self { .init(.wrongFieldCount) }

        public var description: String {
            switch value {
            case .unreadableFile: "unreadable file"
            case .unterminatedQuote: "unterminated quote"
            case .unexpectedCharacterAfterQuote: "unexpected character after quote"
            case .quoteInUnquotedField: "quote in unquoted field"
            case .missingColumn: "missing column"
            case .wrongFieldCount: "wrong field count"
            }
        }
    }

    /// What went wrong.
    public let code: Code
    /// The line where it went wrong: 1 for the header, 0 when not about a line (an unreadable file).
    public let line: Int
    /// A sentence naming the problem.
    public let message: String

    init(_ code: Code, line: Int, _ message: String) {
        self.code = code
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}
