/// What a store backend reports when a read or write cannot be done as asked.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The stored version is not the one the write was based on: someone else wrote first.
        case conflict
        /// A unique field already holds this value.
        case duplicate
        case notFound
        /// The backend cannot be reached or refused to answer.
        case unavailable
        case timeout
        /// Stored data could not be decoded into a domain type.
        case corrupt
        case invalidConfiguration
    }

    public let kind: Kind
    public let message: String
    /// The field at fault for `duplicate` (for example `email`).
    public let field: String?

    public init(_ kind: Kind, _ message: String, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
    }

    public var description: String { message }

    public var isConflict: Bool { kind == .conflict }
    public var isDuplicate: Bool { kind == .duplicate }
    /// Worth retrying later: the backend may answer next time.
    public var isTransient: Bool { kind == .unavailable || kind == .timeout }
}
