public import Foundation

public typealias ContactID = Identifier<Contact>

/// A person Carteiro may write to. The email is unique case-insensitively across contacts.
public struct Contact: Aggregate, Hashable {
    public enum Status: String, StatusMachine, CaseIterable {
        case pending, confirmed, unsubscribed, bounced, complained
        /// The person answered the confirmation with a no. Never mailed; may sign up again.
        case declined
        /// The personal data is gone; only a hash of the address stays, so it is never mailed
        /// again. Final.
        case erased

        public static let entityName = "contact"

        public func canMove(to next: Status) -> Bool {
            switch (self, next) {
            case (.pending, .confirmed), (.pending, .declined), (.pending, .unsubscribed), (.pending, .bounced), (.pending, .complained): true
            case (.confirmed, .unsubscribed), (.confirmed, .bounced), (.confirmed, .complained): true
            // A contact who left, declined, or whose address bounced, may sign up again: a new
            // double opt-in.
            case (.unsubscribed, .pending), (.bounced, .pending), (.declined, .pending): true
            case (.erased, _): false
            case (_, .erased): true
            default: false
            }
        }

        /// Statuses that must never receive mail.
        public var isSuppressed: Bool {
            self == .unsubscribed || self == .bounced || self == .complained || self == .declined || self == .erased
        }
    }

    /// How and when a contact gave consent, with evidence an auditor can check.
    public struct Consent: Hashable, Sendable, Codable {
        public enum Method: String, Hashable, Sendable, Codable {
            case emailReply = "email_reply", link, chat, api, `import`
        }
        public var at: Date
        public var method: Method
        /// For an email reply, the reply's Message-ID; otherwise whatever proves the consent.
        public var evidence: String
        /// What the person wrote, for an email reply: the text they typed, without the quote.
        public var text: String?

        public init(at: Date, method: Method, evidence: String, text: String? = nil) {
            self.at = at
            self.method = method
            self.evidence = evidence
            self.text = text
        }
    }

    public let id: ContactID
    public var version: Int
    public private(set) var email: EmailAddress
    public var name: String?
    public var locale: String
    public var timezone: String
    public private(set) var status: Status
    public var tags: Set<String>
    public var attributes: [String: AttributeValue]
    public private(set) var consent: Consent?
    /// For an erased contact, `EmailAddress.erasureHash` of the address it had.
    public private(set) var erasedAddressHash: String?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ContactID = ContactID(),
        email: EmailAddress,
        name: String? = nil,
        locale: String = "pt-BR",
        timezone: String = "America/Sao_Paulo",
        status: Status = .pending,
        tags: Set<String> = [],
        attributes: [String: AttributeValue] = [:],
        consent: Consent? = nil,
        createdAt: Date
    ) throws(ValidationError) {
        guard !locale.isEmpty else { throw .empty("locale") }
        guard TimeZone(identifier: timezone) != nil else {
            throw ValidationError(field: "timezone", reason: "'\(timezone)' is not an IANA time zone")
        }
        if status == .confirmed, consent == nil {
            throw ValidationError(field: "consent", reason: "a confirmed contact needs a consent record")
        }
        self.id = id
        self.version = 0
        self.email = email
        self.name = name?.trimmingWhitespace().nilIfEmpty
        self.locale = locale
        self.timezone = timezone
        self.status = status
        self.tags = tags
        self.attributes = attributes
        self.consent = consent
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// Records consent and confirms a pending contact (double opt-in completed).
    public mutating func confirm(_ consent: Consent) throws(TransitionError) {
        status = try status.moving(to: .confirmed)
        self.consent = consent
        updatedAt = consent.at
    }

    public mutating func move(to next: Status, at date: Date) throws(TransitionError) {
        precondition(next != .confirmed, "use confirm(_:) so that consent is recorded")
        precondition(next != .erased, "use erase(at:) so that the personal data goes")
        status = try status.moving(to: next)
        if next == .pending { consent = nil }
        updatedAt = date
    }

    /// An operator's correction of a status the inbox watcher set by mistake (a misread bounce,
    /// a wrong confirmation): back to the status it had, outside the usual transitions. A contact
    /// put back to `confirmed` keeps its consent record; to anything else it loses a consent the
    /// mistake recorded.
    public mutating func restore(to previous: Status, at date: Date) {
        precondition(previous != .erased && status != .erased, "an erasure is never undone")
        if previous != .confirmed { consent = nil }
        status = previous == .confirmed && consent == nil ? .pending : previous
        updatedAt = date
    }

    /// Removes the personal data for good (the right to erasure): address, name, tags (lists
    /// included), attributes and consent. The id, creation date and anything counted elsewhere
    /// stay; a hash of the address stays too, so that it remains suppressed.
    public mutating func erase(at date: Date) throws(TransitionError) {
        status = try status.moving(to: .erased)
        erasedAddressHash = email.erasureHash
        email = Self.erasedAddress
        name = nil
        tags = []
        attributes = [:]
        consent = nil
        updatedAt = date
    }

    /// What an erased contact holds in place of its address: the reserved `.invalid` domain
    /// (RFC 2606) can never be delivered to, and the store indexes no address for it.
    public static let erasedAddress = EmailAddress(storedValue: "erased@erased.invalid")

    /// The attributes as text, the way templates and CSV files see them.
    public var attributeTexts: [String: String] { attributes.mapValues(\.csvText) }

    public mutating func changeEmail(to email: EmailAddress, at date: Date) {
        self.email = email
        updatedAt = date
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
