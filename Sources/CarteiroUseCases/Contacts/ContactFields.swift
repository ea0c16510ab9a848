public import CarteiroDomain

/// Fields of a contact as a caller gives them, for creating one or changing one; nil leaves a
/// field as it is (for a change) or to its default (for a new contact).
public struct ContactFields: Sendable {
    public var email: String?
    /// `.some(nil)` removes the name.
    public var name: String??
    public var locale: String?
    public var timezone: String?
    public var status: Contact.Status?
    /// Replaces the contact's tags (list memberships aside).
    public var tags: [String]?
    /// Merged into the contact's attributes.
    public var attributes: [String: AttributeValue]
    public var removeAttributes: [String]
    /// When given, the change applies only to this version.
    public var version: Int?

    public init(
        email: String? = nil, name: String?? = nil, locale: String? = nil, timezone: String? = nil, status: Contact.Status? = nil,
        tags: [String]? = nil, attributes: [String: AttributeValue] = [:], removeAttributes: [String] = [], version: Int? = nil
    ) {
        self.email = email
        self.name = name
        self.locale = locale
        self.timezone = timezone
        self.status = status
        self.tags = tags
        self.attributes = attributes
        self.removeAttributes = removeAttributes
        self.version = version
    }

    /// The tag prefix that means list membership: written by the list operations only.
    static let listTagPrefix = "list:"

    static func checkTags(_ tags: [String]) throws(ValidationError) -> Set<String> {
        var result = Set<String>()
        for tag in tags {
            let trimmed = tag.trimmingWhitespace()
            guard !trimmed.isEmpty else { throw ValidationError(field: "tags", reason: "a tag must not be empty") }
            guard !trimmed.hasPrefix(listTagPrefix) else {
                throw ValidationError(field: "tags", reason: "'\(tag)': tags starting with 'list:' are list memberships; use the lists API")
            }
            guard !trimmed.contains(";") else {
                throw ValidationError(field: "tags", reason: "'\(tag)': a tag must not hold ';', which separates tags in CSV files")
            }
            guard trimmed.count <= 100 else { throw ValidationError(field: "tags", reason: "'\(tag)' is longer than 100 characters") }
            result.insert(trimmed)
        }
        return result
    }

    static func checkAttributeName(_ name: String, field: String = "attributes") throws(ValidationError) {
        var first = true
        var count = 0
        for scalar in name.unicodeScalars {
            count += 1
            let ok: Bool =
                switch scalar {
                case "A"..."Z", "a"..."z", "_": true
                case "0"..."9", ".", "-": !first
                default: false
                }
            guard ok else { throw ValidationError(field: field, reason: "'\(name)' is not an attribute name (letters, digits, _ . -)") }
            first = false
        }
        guard count > 0, count <= 64 else { throw ValidationError(field: field, reason: "'\(name)' is not an attribute name of 1 to 64 characters") }
    }
}

extension Contact {
    /// The lists the contact is in.
    public var listIDs: [ContactListID] {
        tags.filter { $0.hasPrefix(ContactFields.listTagPrefix) }.map {
            ContactListID(rawValue: String($0.dropFirst(ContactFields.listTagPrefix.count)))
        }
        .sorted()
    }

    /// The tags a caller set, list memberships aside.
    public var plainTags: [String] { tags.filter { !$0.hasPrefix(ContactFields.listTagPrefix) }.sorted() }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        // Nearly every CSV cell arrives trimmed: no scalar-by-scalar copy then.
        if let first = unicodeScalars.first, let last = unicodeScalars.last, !first.properties.isWhitespace, !last.properties.isWhitespace {
            return String(self)
        }
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
