/// Why a message could not be built: the offending field (a header name, `address`,
/// `displayName`, …) and a message a person can act on.
///
/// Compare `code` against the static members (`error.code == .forbiddenCharacter`); new codes
/// may be added without breaking callers.
public struct MIMEError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case invalidAddress
            case forbiddenCharacter
            case invalidHeaderName
            case reservedHeader
            case invalidMessageID
            case lineTooLong
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The addr-spec is not a valid RFC 5321/5322 (or RFC 6531 internationalized) address.
        public static var invalidAddress: Self { .init(.invalidAddress) }
        /// CR, LF, NUL (or another control character) where it could inject headers.
        public static var forbiddenCharacter: Self { .init(.forbiddenCharacter) }
        /// A header name that is empty or holds something other than printable ASCII without colon.
        public static var invalidHeaderName: Self { .init(.invalidHeaderName) }
        /// A custom header that would clash with one the renderer writes itself (From, Content-Type, …).
        public static var reservedHeader: Self { .init(.reservedHeader) }
        /// A Message-ID that is not `left@right` in printable ASCII without brackets or spaces.
        public static var invalidMessageID: Self { .init(.invalidMessageID) }
        /// A header that cannot be folded to fit the 998-octet line limit.
        public static var lineTooLong: Self { .init(.lineTooLong) }

        public var description: String {
            switch value {
            case .invalidAddress: "invalid address"
            case .forbiddenCharacter: "forbidden character"
            case .invalidHeaderName: "invalid header name"
            case .reservedHeader: "reserved header"
            case .invalidMessageID: "invalid Message-ID"
            case .lineTooLong: "line too long"
            }
        }
    }

    /// What went wrong.
    public let code: Code
    /// The field at fault: a header name (`Subject`, `List-Unsubscribe`), `address`, `displayName`, `textBody`.
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

extension MIMEError {
    /// Fails with `.forbiddenCharacter` when `value` holds CR, LF or NUL — the characters that
    /// would end a header line early and let the rest of the value inject headers.
    public static func checkNoLineBreaks(_ value: String, field: String) throws(MIMEError) {
        for scalar in value.unicodeScalars where scalar == "\r" || scalar == "\n" || scalar == "\0" {
            let name = scalar == "\r" ? "CR" : scalar == "\n" ? "LF" : "NUL"
            throw MIMEError(.forbiddenCharacter, field: field, "\(field) contains \(name), which could inject headers: \(value.debugDescription)")
        }
    }
}
