public import Foundation

public typealias ContactListID = Identifier<ContactList>

/// A named list of contacts that campaigns are sent to. Membership lives with the contact (`tags`
/// hold `list:<id>`), so a contact in many lists is still one document and one suppression state.
public struct ContactList: Aggregate {
    public let id: ContactListID
    public var version: Int
    public private(set) var name: String
    public var summary: String
    /// Whether a new member must confirm by replying before being mailed.
    public var doubleOptIn: Bool
    public let createdAt: Date
    public var updatedAt: Date

    public init(id: ContactListID = ContactListID(), name: String, summary: String = "", doubleOptIn: Bool = true, createdAt: Date)
        throws(ValidationError)
    {
        self.id = id
        self.version = 0
        self.name = try requireNonEmpty(name, field: "name")
        self.summary = summary
        self.doubleOptIn = doubleOptIn
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    public mutating func rename(_ name: String, at date: Date) throws(ValidationError) {
        self.name = try requireNonEmpty(name, field: "name")
        updatedAt = date
    }

    /// The tag a member contact carries.
    public var membershipTag: String { Self.membershipTag(of: id) }

    public static func membershipTag(of id: ContactListID) -> String { "list:\(id.rawValue)" }
}
