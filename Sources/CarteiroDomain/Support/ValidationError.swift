import Foundation

/// Input that a domain type refuses at construction, naming the field at fault.
public struct ValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    public let field: String
    public let reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }

    static func empty(_ field: String) -> ValidationError { .init(field: field, reason: "must not be empty") }
}

/// A status change the state machine of an aggregate does not allow.
public struct TransitionError: Error, Hashable, Sendable, CustomStringConvertible {
    public let entity: String
    public let from: String
    public let to: String

    public init(entity: String, from: String, to: String) {
        self.entity = entity
        self.from = from
        self.to = to
    }

    public var description: String { "\(entity) cannot go from \(from) to \(to)" }
}

/// A status enum whose legal moves are listed in one place.
public protocol StatusMachine: RawRepresentable, Hashable, Sendable, Codable where RawValue == String {
    static var entityName: String { get }
    func canMove(to next: Self) -> Bool
}

extension StatusMachine {
    /// The next status, or a `TransitionError` naming both ends when the move is illegal.
    public func moving(to next: Self) throws(TransitionError) -> Self {
        guard canMove(to: next) else {
            throw TransitionError(entity: Self.entityName, from: rawValue, to: next.rawValue)
        }
        return next
    }
}

func requireNonEmpty(_ value: String, field: String) throws(ValidationError) -> String {
    let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty else { throw .empty(field) }
    return trimmed
}
