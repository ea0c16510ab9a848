/// Reads and files the mail of one IMAP account over one reused connection.
///
/// Commands run one after another on a thread of the client's own, never on Swift's cooperative
/// pool; a caller suspends until its command is answered. The connection stays open between
/// commands (curl reconnects and logs in again when the server has dropped it, and after a failed
/// command, which makes curl close it). Nothing is ever expunged or deleted: a move without the
/// server's MOVE extension copies and flags the original `\Deleted`, and stops there.
///
/// Mailbox arguments default to the mailbox in the configuration's URL. Names must be printable
/// ASCII (no modified UTF-7).
public final class IMAPClient: Sendable {
    public let configuration: IMAPConfiguration
    /// The mailbox named by the configuration's URL (INBOX when it names none).
    public let defaultMailbox: String
    private let worker: IMAPWorker?
    private let configurationError: IMAPError?

    /// A client for the account in `configuration.url`. A malformed URL is reported by the first
    /// command, as a `.local` error.
    public init(configuration: IMAPConfiguration) {
        self.configuration = configuration
        do {
            let settings = try IMAPSettings(configuration)
            defaultMailbox = settings.defaultMailbox
            worker = IMAPWorker(settings: settings)
            configurationError = nil
        } catch {
            defaultMailbox = "INBOX"
            worker = nil
            configurationError = error
        }
    }

    deinit {
        worker?.beginShutdown()
    }

    /// Selects the mailbox (read-write) and tells its UIDVALIDITY, UIDNEXT and message count.
    public func select(_ mailbox: String? = nil) async throws(IMAPError) -> IMAPMailboxStatus {
        let mailbox = mailbox ?? defaultMailbox
        return try await run { connection throws(IMAPError) in try connection.select(mailbox) }
    }

    /// The UIDs in the mailbox greater than `uid`, ascending (`above: 0` lists every message).
    public func uids(above uid: UInt32, in mailbox: String? = nil) async throws(IMAPError) -> [UInt32] {
        let mailbox = mailbox ?? defaultMailbox
        return try await run { connection throws(IMAPError) in try connection.uids(in: mailbox, above: uid) }
    }

    // The commands on one message take an optional `uidValidity`, the value the UID was learnt
    // under (from `select`): then the command runs only right after a SELECT or EXAMINE that shows
    // the mailbox still has it (and curl checks it again if it has to reconnect), else it fails
    // with `.uidValidityChanged` and touches nothing. It costs a SELECT or EXAMINE per command.

    /// The message's raw bytes, exactly as stored (CRLF line ends). Does not set `\Seen`.
    public func fetchMessage(uid: UInt32, in mailbox: String? = nil, uidValidity: UInt32? = nil) async throws(IMAPError) -> [UInt8] {
        let mailbox = mailbox ?? defaultMailbox
        return try await run { connection throws(IMAPError) in try connection.fetch(uid: uid, in: mailbox, uidValidity: uidValidity) }
    }

    /// Sets `\Seen` on the message (a missing UID is not an error: IMAP's STORE ignores it).
    public func markSeen(uid: UInt32, in mailbox: String? = nil, uidValidity: UInt32? = nil) async throws(IMAPError) {
        let mailbox = mailbox ?? defaultMailbox
        try await run { connection throws(IMAPError) in try connection.setSeen(true, uid: uid, in: mailbox, uidValidity: uidValidity) }
    }

    /// The message's flags (`\Seen`, `\Deleted`, keywords), or nil when there is no such UID.
    public func flags(uid: UInt32, in mailbox: String? = nil, uidValidity: UInt32? = nil) async throws(IMAPError) -> [String]? {
        let mailbox = mailbox ?? defaultMailbox
        return try await run { connection throws(IMAPError) in try connection.flags(uid: uid, in: mailbox, uidValidity: uidValidity) }
    }

    /// Moves the message to `target`, creating `target` when it is missing. Uses UID MOVE when the
    /// server offers it, else UID COPY and `\Deleted` on the original (never EXPUNGE). A UID the
    /// mailbox does not hold is `.noSuchMessage` (on servers with UIDPLUS, which say what they copied).
    public func move(uid: UInt32, from mailbox: String? = nil, to target: String, uidValidity: UInt32? = nil) async throws(IMAPError) {
        let mailbox = mailbox ?? defaultMailbox
        try await run { connection throws(IMAPError) in
            try connection.move(uid: uid, from: mailbox, to: target, uidValidity: uidValidity)
        }
    }

    /// Creates the mailbox; one that exists already is not an error.
    public func createMailbox(_ mailbox: String) async throws(IMAPError) {
        try await run { connection throws(IMAPError) in try connection.createMailbox(mailbox) }
    }

    /// Appends the message (its bytes as they are, CRLF line ends expected) to the mailbox, unread
    /// unless `seen`, and returns the UID it got when the server says (UIDPLUS).
    @discardableResult
    public func append(_ message: [UInt8], to mailbox: String? = nil, seen: Bool = false) async throws(IMAPError) -> UInt32? {
        let mailbox = mailbox ?? defaultMailbox
        return try await run { connection throws(IMAPError) in try connection.append(message, to: mailbox, seen: seen) }
    }

    /// Lets the commands already asked for finish, then logs out and closes the connection. Later
    /// commands fail at once with a `.local` error.
    public func shutdown() async {
        await worker?.shutdown()
    }

    private func run<Value: Sendable>(_ body: @escaping @Sendable (IMAPConnection) throws(IMAPError) -> Value) async throws(IMAPError) -> Value {
        guard let worker else { throw configurationError ?? IMAPError(.local, "no IMAP worker") }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, IMAPError>, Never>) in
            let queued = worker.submit { connection in
                continuation.resume(returning: connection.flatMap { connection in Result { () throws(IMAPError) in try body(connection) } })
            }
            if !queued { continuation.resume(returning: .failure(IMAPError(.local, "the IMAP client is shut down"))) }
        }
        return try result.get()
    }
}
