public import Foundation

public typealias SegmentID = Identifier<Segment>

/// A dynamic audience: the contacts a filter matches at the moment it is read. Campaigns freeze
/// it when they start sending.
public struct Segment: Aggregate {
    public let id: SegmentID
    public var version: Int
    public private(set) var name: String
    public var filter: SegmentFilter
    public let createdAt: Date
    public var updatedAt: Date

    public init(id: SegmentID = SegmentID(), name: String, filter: SegmentFilter, createdAt: Date) throws(ValidationError) {
        self.id = id
        self.version = 0
        self.name = try requireNonEmpty(name, field: "name")
        self.filter = filter
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    public mutating func rename(_ name: String, at date: Date) throws(ValidationError) {
        self.name = try requireNonEmpty(name, field: "name")
        updatedAt = date
    }
}
