public import Foundation

public typealias SignUpID = Identifier<SignUp>

/// One request to join, waiting for the person's answer to its confirmation email (double
/// opt-in confirmed by reply). The contact stays `pending` until the answer comes: a reply
/// (`SIM`/`YES`, `NÃO`/`NO`) or the confirm link's button.
///
/// A reply is matched to its sign-up by the token in the address it was sent to (the
/// confirmation's Reply-To is `local+TOKEN@domain`), else by the confirmation's Message-ID in
/// its In-Reply-To or References, else by its sender having a pending sign-up.
public struct SignUp: Aggregate {
    public enum Source: String, Hashable, Sendable, Codable, CaseIterable {
        case chat, form, email
    }

    public enum Status: String, StatusMachine, CaseIterable {
        case pending, confirmed, declined
        /// A newer sign-up of the same address replaced this one before it was answered.
        case superseded

        public static let entityName = "sign-up"

        public func canMove(to next: Status) -> Bool {
            self == .pending && next != .pending
        }
    }

    public let id: SignUpID
    public var version: Int
    public let contactID: ContactID
    public let email: EmailAddress
    public let source: Source
    /// The chat conversation it was made in (source `chat`).
    public let conversationID: ConversationID?
    /// The secret in the confirmation's Reply-To and confirm link: 32 lowercase base32 letters.
    public let token: String
    /// The confirmation email's Message-ID (without angle brackets), once it was accepted for sending.
    public private(set) var confirmationMessageID: String?
    public private(set) var status: Status
    public let createdAt: Date
    public private(set) var answeredAt: Date?

    public init(
        id: SignUpID = SignUpID(), contactID: ContactID, email: EmailAddress, source: Source, conversationID: ConversationID? = nil,
        token: String = SignUp.newToken(), createdAt: Date
    ) throws(ValidationError) {
        guard Self.isToken(token) else { throw ValidationError(field: "token", reason: "a sign-up token is 32 letters a-z and digits 2-7") }
        self.id = id
        self.version = 0
        self.contactID = contactID
        self.email = email
        self.source = source
        self.conversationID = conversationID
        self.token = token
        self.status = .pending
        self.createdAt = createdAt
    }

    public mutating func recordConfirmation(messageID: String) {
        confirmationMessageID = messageID
    }

    /// Records the answer (or that a newer sign-up replaced this one).
    public mutating func answer(_ status: Status, at date: Date) throws(TransitionError) {
        self.status = try self.status.moving(to: status)
        answeredAt = date
    }

    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    /// 160 random bits in lowercase base32 (RFC 4648's alphabet): safe in an address's local part,
    /// which mail systems may lowercase, and in a URL.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(decoding: (0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt8(32)))] }, as: UTF8.self)
    }

    public static func isToken(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { alphabet.contains($0) }
    }
}
