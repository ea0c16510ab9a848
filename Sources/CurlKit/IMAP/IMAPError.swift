/// Why an IMAP operation did not happen, with what a caller needs to decide: wait and try again
/// (`isTransient`), fix the account (`loginFailed`), or give up on one mailbox or message.
public struct IMAPError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case connectionFailed
            case connectionLost
            case loginFailed
            case noSuchMailbox
            case noSuchMessage
            case uidValidityChanged
            case protocolError
            case local
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// No connection to the server: refused, unknown host, TLS handshake, connect timeout.
        public static var connectionFailed: Self { .init(.connectionFailed) }
        /// The connection broke or timed out in the middle of a command.
        public static var connectionLost: Self { .init(.connectionLost) }
        /// The server refused the user name and password (or offered no mechanism curl could use).
        public static var loginFailed: Self { .init(.loginFailed) }
        /// The mailbox does not exist (or the server will not open it).
        public static var noSuchMailbox: Self { .init(.noSuchMailbox) }
        /// No message with that UID in the mailbox.
        public static var noSuchMessage: Self { .init(.noSuchMessage) }
        /// The mailbox's UIDVALIDITY is not the one the caller's UIDs belong to: they may name other
        /// messages now, so nothing was done.
        public static var uidValidityChanged: Self { .init(.uidValidityChanged) }
        /// The server answered a command with NO or BAD, or with something this client cannot read.
        public static var protocolError: Self { .init(.protocolError) }
        /// A local fault: malformed URL or argument, client shut down, out of memory.
        public static var local: Self { .init(.local) }

        public var description: String {
            switch value {
            case .connectionFailed: "connection failed"
            case .connectionLost: "connection lost"
            case .loginFailed: "login failed"
            case .noSuchMailbox: "no such mailbox"
            case .noSuchMessage: "no such message"
            case .uidValidityChanged: "UIDVALIDITY changed"
            case .protocolError: "protocol error"
            case .local: "local error"
            }
        }
    }

    /// What went wrong.
    public let code: Code
    /// The server's words (its tagged NO/BAD reply, e.g. `NO [AUTHENTICATIONFAILED] Authentication
    /// failed.`), or curl's, or ours for local faults.
    public let text: String
    /// The mailbox the failure is about, when it is about one.
    public let mailbox: String?
    /// The message the failure is about, when it is about one.
    public let uid: UInt32?

    public init(_ code: Code, _ text: String, mailbox: String? = nil, uid: UInt32? = nil) {
        self.code = code
        self.text = text
        self.mailbox = mailbox
        self.uid = uid
    }

    /// Worth trying again later: the server could not be reached or the connection broke.
    public var isTransient: Bool {
        code == .connectionFailed || code == .connectionLost
    }

    public var description: String {
        var subject = ""
        if let mailbox { subject += " mailbox \(mailbox)" }
        if let uid { subject += " UID \(uid)" }
        return "IMAP \(code)\(subject): \(text)"
    }
}
