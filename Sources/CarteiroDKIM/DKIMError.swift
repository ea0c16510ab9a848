/// Why a key could not be loaded or made, or a message could not be signed.
///
/// Compare `code` against the static members (`error.code == .invalidKey`); new codes may be
/// added without breaking callers.
public struct DKIMError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case invalidKey
            case invalidConfiguration
            case malformedMessage
            case signingFailed
            case keyFileExists
            case keyFileUnwritable
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The PEM (or raw Ed25519 seed) is not a private key this module can sign with.
        public static var invalidKey: Self { .init(.invalidKey) }
        /// The signer's domain, selector, header list or key set cannot produce a valid signature.
        public static var invalidConfiguration: Self { .init(.invalidConfiguration) }
        /// The message has no header/body structure DKIM can sign (no From, a line that is not a header field).
        public static var malformedMessage: Self { .init(.malformedMessage) }
        /// The cryptographic library refused to sign or to generate a key.
        public static var signingFailed: Self { .init(.signingFailed) }
        /// Key generation found a key file already there and left it untouched.
        public static var keyFileExists: Self { .init(.keyFileExists) }
        /// Key generation could not create or write the key file.
        public static var keyFileUnwritable: Self { .init(.keyFileUnwritable) }

        public var description: String {
            switch value {
            case .invalidKey: "invalid key"
            case .invalidConfiguration: "invalid configuration"
            case .malformedMessage: "malformed message"
            case .signingFailed: "signing failed"
            case .keyFileExists: "key file exists"
            case .keyFileUnwritable: "key file unwritable"
            }
        }
    }

    /// What went wrong.
    public let code: Code
    /// The thing at fault: `pem`, `domain`, `selector`, `signedHeaders`, `keys`, a header name, a file path.
    public let field: String
    /// A sentence naming the problem, including the offending value where that is safe to show.
    public let message: String

    package init(_ code: Code, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
