public import Foundation

/// Which contacts a segment holds: a contact matches when it meets every condition given. An
/// empty filter matches every contact (erased ones aside).
public struct SegmentFilter: Hashable, Sendable, Codable {
    public var statuses: Set<Contact.Status>
    /// In any of these lists.
    public var listIDs: Set<ContactListID>
    public var tagsAll: Set<String>
    public var tagsAny: Set<String>
    public var tagsNone: Set<String>
    public var attributes: [AttributeCondition]
    public var engagement: [EngagementCondition]
    public var createdAfter: Date?
    public var createdBefore: Date?

    public init(
        statuses: Set<Contact.Status> = [], listIDs: Set<ContactListID> = [], tagsAll: Set<String> = [], tagsAny: Set<String> = [],
        tagsNone: Set<String> = [], attributes: [AttributeCondition] = [], engagement: [EngagementCondition] = [], createdAfter: Date? = nil,
        createdBefore: Date? = nil
    ) {
        self.statuses = statuses
        self.listIDs = listIDs
        self.tagsAll = tagsAll
        self.tagsAny = tagsAny
        self.tagsNone = tagsNone
        self.attributes = attributes
        self.engagement = engagement
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
    }

    /// A condition on one attribute. A number compares as a number with an attribute that holds
    /// one; dates (`YYYY-MM-DD`) order as their text does; other values compare as text.
    public struct AttributeCondition: Hashable, Sendable, Codable {
        public enum Operator: String, Hashable, Sendable, Codable, CaseIterable {
            case eq, ne, gt, gte, lt, lte, exists, missing
        }
        /// The type the value was given as, so that it is given back the same way.
        public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
            case string, number, boolean, date
        }
        public var name: String
        public var op: Operator
        /// The value as a CSV cell writes it (`31`, `true`, `2026-03-01`, `gold`); nil for exists/missing.
        public var value: String?
        public var kind: Kind

        public init(name: String, op: Operator, value: String?, kind: Kind = .string) throws(ValidationError) {
            guard !name.isEmpty else { throw ValidationError(field: "attributes.name", reason: "must not be empty") }
            if op != .exists, op != .missing, value == nil {
                throw ValidationError(field: "attributes.value", reason: "'\(op.rawValue)' needs a value")
            }
            self.name = name
            self.op = op
            self.value = value
            self.kind = kind
        }

        public func matches(_ stored: String?) -> Bool {
            switch op {
            case .exists: return stored != nil
            case .missing: return stored == nil
            default: break
            }
            guard let stored, let value else { return op == .ne && stored == nil && value != nil }
            let order: ComparisonResult
            if kind == .number, let left = Double(stored), let right = Double(value) {
                order = left < right ? .orderedAscending : left > right ? .orderedDescending : .orderedSame
            } else {
                order = stored == value ? .orderedSame : stored < value ? .orderedAscending : .orderedDescending
            }
            switch op {
            case .eq: return order == .orderedSame
            case .ne: return order != .orderedSame
            case .gt: return order == .orderedDescending
            case .gte: return order != .orderedAscending
            case .lt: return order == .orderedAscending
            case .lte: return order != .orderedDescending
            case .exists, .missing: return false
            }
        }
    }

    /// "Opened a message in the last 30 days" (or, with `negated`, did not).
    public struct EngagementCondition: Hashable, Sendable, Codable {
        public enum Event: String, Hashable, Sendable, Codable, CaseIterable {
            case sent, opened, clicked
        }
        public var event: Event
        public var withinDays: Int
        public var negated: Bool

        public init(event: Event, withinDays: Int, negated: Bool = false) throws(ValidationError) {
            guard (1...3650).contains(withinDays) else {
                throw ValidationError(field: "engagement.withinDays", reason: "must be between 1 and 3650")
            }
            self.event = event
            self.withinDays = withinDays
            self.negated = negated
        }
    }

    /// Whether `contact` is in the segment at `now`. `recorded` is what the store recorded of the
    /// contact's sends, opens and clicks (nil: nothing recorded).
    public func matches(_ contact: Contact, attribute: (String) -> String?, recorded: ContactEngagement?, now: Date) -> Bool {
        guard contact.status != .erased else { return false }
        if !statuses.isEmpty, !statuses.contains(contact.status) { return false }
        if !listIDs.isEmpty, !listIDs.contains(where: { contact.tags.contains(ContactList.membershipTag(of: $0)) }) { return false }
        if !tagsAll.isSubset(of: contact.tags) { return false }
        if !tagsAny.isEmpty, tagsAny.isDisjoint(with: contact.tags) { return false }
        if !tagsNone.isDisjoint(with: contact.tags) { return false }
        if let createdAfter, contact.createdAt <= createdAfter { return false }
        if let createdBefore, contact.createdAt >= createdBefore { return false }
        for condition in attributes where !condition.matches(attribute(condition.name)) { return false }
        for condition in engagement {
            let last: Date? =
                switch condition.event {
                case .sent: recorded?.lastSentAt
                case .opened: recorded?.lastOpenedAt
                case .clicked: recorded?.lastClickedAt
                }
            let within = last.map { now.timeIntervalSince($0) <= Double(condition.withinDays) * 86_400 } ?? false
            if within == condition.negated { return false }
        }
        return true
    }
}

/// When a contact was last sent a message, opened one, clicked in one.
public struct ContactEngagement: Hashable, Sendable, Codable {
    public var lastSentAt: Date?
    public var lastOpenedAt: Date?
    public var lastClickedAt: Date?

    public init(lastSentAt: Date? = nil, lastOpenedAt: Date? = nil, lastClickedAt: Date? = nil) {
        self.lastSentAt = lastSentAt
        self.lastOpenedAt = lastOpenedAt
        self.lastClickedAt = lastClickedAt
    }
}
