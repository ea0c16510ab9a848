/// Why a contact operation was refused, for a caller to map (the API to a status, the CLI to a
/// message): the value at fault is named.
public struct ContactError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// A value is invalid; `field` names it.
        case invalid
        /// The address belonged to a contact who was erased: it is never taken again.
        case erasedAddress
        /// No contact (or list) with this id.
        case notFound
    }

    public let kind: Kind
    public let field: String?
    public let message: String

    public init(_ kind: Kind, field: String? = nil, _ message: String) {
        self.kind = kind
        self.field = field
        self.message = message
    }

    public var description: String { message }

    static func erased(_ field: String = "email") -> ContactError {
        ContactError(.erasedAddress, field: field, "this address belonged to an erased contact; it is suppressed for good")
    }
}
