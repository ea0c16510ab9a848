public import CarteiroDomain
import CarteiroMIME
import CurlKit
public import Foundation
public import Logging

/// Reads one mailbox: every message above the cursor is recorded, classified, acted on, marked
/// `\Seen` and moved to `Processed` (`Failed` when it cannot be read as mail); nothing is ever
/// deleted. The cursor (UIDVALIDITY and last UID) moves only past messages that were finished.
///
/// Exactly once: a watcher reads a mailbox only while it holds the mailbox's lease, and each
/// message's record (unique per mailbox, UIDVALIDITY and UID) is written before its effects. A
/// watcher that finds the record already there re-applies only what was left unfinished.
public final class MailboxWatcher: Sendable {
    /// `user@host:port/MAILBOX`, the mailbox's name in the store and the logs (no password).
    public let mailbox: String
    private let client: IMAPClient
    private let store: any Store
    private let actions: InboxActions
    private let holder: String
    private let leaseDuration: TimeInterval
    private let signUpAddress: String?
    private let logger: Logger

    public static let processedMailbox = "Processed"
    public static let failedMailbox = "Failed"

    public init(
        url: URL, store: any Store, actions: InboxActions, signUpAddress: String?, holder: String = UUID().uuidString,
        leaseDuration: TimeInterval = 120, logger: Logger
    ) {
        mailbox = Self.name(of: url)
        client = IMAPClient(configuration: IMAPConfiguration(url: url.absoluteString))
        self.store = store
        self.actions = actions
        self.holder = holder
        self.leaseDuration = leaseDuration
        self.signUpAddress = signUpAddress?.lowercased()
        self.logger = logger
    }

    /// `user@host:port/MAILBOX` of an `imap://` URL.
    public static func name(of url: URL) -> String {
        let user = url.user(percentEncoded: false) ?? ""
        let port = url.port.map { ":\($0)" } ?? ""
        let path = url.path(percentEncoded: false)
        return "\(user)@\(url.host() ?? "")\(port)\(path.isEmpty || path == "/" ? "/INBOX" : path)"
    }

    /// What one pass did.
    public struct Pass: Sendable, Equatable {
        /// False when another watcher holds the mailbox's lease: nothing was read.
        public var leased = true
        public var processed = 0
        public var failed = 0

        public init(leased: Bool = true, processed: Int = 0, failed: Int = 0) {
            self.leased = leased
            self.processed = processed
            self.failed = failed
        }
    }

    /// Reads and handles every new message once.
    public func poll(now: @Sendable () -> Date = Date.init) async throws -> Pass {
        guard var cursor = try await lease(now: now()) else { return Pass(leased: false) }
        var pass = Pass()
        let status = try await client.select()
        if let known = cursor.uidValidity, known != status.uidValidity {
            logger.notice(
                "mailbox UIDVALIDITY changed; reading it again from the start", metadata: ["mailbox": "\(mailbox)", "was": "\(known)", "now": "\(status.uidValidity)"])
        }
        let uids = try await client.uids(above: cursor.lastSeenUID(under: status.uidValidity))
        for uid in uids {
            let ok = try await handle(uid: uid, uidValidity: status.uidValidity, now: now())
            if ok { pass.processed += 1 } else { pass.failed += 1 }
            cursor.advance(to: uid, under: status.uidValidity)
            guard cursor.lease(to: holder, at: now(), for: leaseDuration) else { break }
            cursor = try await store.mailboxCursors.update(cursor)
        }
        if uids.isEmpty, cursor.uidValidity != status.uidValidity {
            cursor.advance(to: 0, under: status.uidValidity)
            cursor = try await store.mailboxCursors.update(cursor)
        }
        return pass
    }

    /// The mailbox's cursor with this watcher's lease on it, or nil when another holds it.
    private func lease(now: Date) async throws -> MailboxCursor? {
        var cursor: MailboxCursor
        if let stored = try await store.mailboxCursors.findUnique("mailbox", mailbox) {
            cursor = stored
        } else {
            do {
                cursor = try await store.mailboxCursors.insert(MailboxCursor(mailbox: mailbox))
            } catch let error as StoreError where error.isDuplicate {
                guard let stored = try await store.mailboxCursors.findUnique("mailbox", mailbox) else { throw error }
                cursor = stored
            }
        }
        guard cursor.lease(to: holder, at: now, for: leaseDuration) else { return nil }
        do {
            return try await store.mailboxCursors.update(cursor)
        } catch let error as StoreError where error.isConflict {
            // Another watcher wrote the cursor at the same moment: it holds the lease this time.
            return nil
        }
    }

    /// One message: recorded, acted on, then filed. True when it was read as mail.
    private func handle(uid: UInt32, uidValidity: UInt32, now: Date) async throws -> Bool {
        let key = InboxMessage.key(mailbox: mailbox, uidValidity: uidValidity, uid: uid)
        let stored = try await store.inboxMessages.findUnique("key", key)
        // A message finished before a stop (between its record and its move) is only filed.
        if let stored, stored.action != .processing {
            try await file(uid: uid, uidValidity: uidValidity, to: Self.processedMailbox)
            return true
        }
        let parsed = ParsedMessage.parse(try await client.fetchMessage(uid: uid, uidValidity: uidValidity))
        guard Self.isMail(parsed) else {
            try await file(uid: uid, uidValidity: uidValidity, to: Self.failedMailbox)
            logger.warning("a message that is not mail was moved to Failed", metadata: ["mailbox": "\(mailbox)", "uid": "\(uid)"])
            return false
        }
        let classification = MessageClassifier.classify(parsed, context: ClassificationContext(isSignupAddress: isToSignUpAddress(parsed)))
        var record: InboxMessage
        if var stored {
            // Recorded before a stop or a failure, its effects perhaps half done: applied again
            // (each is idempotent), unless they failed too often: then it goes to Failed, so
            // that one message does not hold back the mailbox.
            stored.countAttempt()
            if (stored.attempts ?? 1) > InboxMessage.maximumAttempts {
                stored.record(.failed, contactID: nil, detail: "its effects failed \(InboxMessage.maximumAttempts) times")
                _ = try await store.inboxMessages.update(stored)
                try await file(uid: uid, uidValidity: uidValidity, to: Self.failedMailbox)
                logger.error(
                    "an inbox message whose effects kept failing was moved to Failed",
                    metadata: ["mailbox": "\(mailbox)", "uid": "\(uid)", "record": "\(stored.id)"])
                return false
            }
            record = try await store.inboxMessages.update(stored)
        } else {
            do {
                record = try await store.inboxMessages.insert(
                    InboxMessage(
                        mailbox: mailbox, uidValidity: uidValidity, uid: uid, messageID: parsed.messageID, from: parsed.from.first?.address,
                        subject: parsed.subject.map { String($0.prefix(300)) }, receivedAt: now,
                        kind: InboxMessage.Kind(rawValue: classification.kind.rawValue) ?? .other,
                        replyText: classification.replyText.map { String($0.prefix(4_000)) }))
            } catch let error as StoreError where error.isDuplicate {
                // Another watcher recorded it first (its lease ran out while this one worked): it acts.
                return true
            }
        }
        let outcome = try await actions.apply(classification, to: record, recipient: Self.recipient(of: parsed), now: now)
        record.record(outcome.action, contactID: outcome.contactID, detail: outcome.detail, contactStatusBefore: outcome.statusBefore)
        _ = try await store.inboxMessages.update(record)
        logger.info(
            "inbox message handled",
            metadata: ["mailbox": "\(mailbox)", "uid": "\(uid)", "kind": "\(record.kind.rawValue)", "action": "\(outcome.action.rawValue)"])
        try await file(uid: uid, uidValidity: uidValidity, to: Self.processedMailbox)
        return true
    }

    private func file(uid: UInt32, uidValidity: UInt32, to target: String) async throws {
        try await client.markSeen(uid: uid, uidValidity: uidValidity)
        try await client.move(uid: uid, to: target, uidValidity: uidValidity)
    }

    /// The address the message was written to: its Delivered-To, else its first To.
    static func recipient(of message: ParsedMessage) -> String? {
        if let delivered = message.headers.values(for: "Delivered-To").first?.trimmingCharacters(in: .whitespaces), !delivered.isEmpty {
            return delivered
        }
        return message.to.first?.address
    }

    /// Whether a To, Cc or Delivered-To address is the sign-up address (with or without a +tag).
    private func isToSignUpAddress(_ message: ParsedMessage) -> Bool {
        guard let signUpAddress, let at = signUpAddress.firstIndex(of: "@") else { return false }
        let local = signUpAddress[..<at]
        let domain = signUpAddress[signUpAddress.index(after: at)...]
        let delivered = message.headers.values(for: "Delivered-To").map { $0.trimmingCharacters(in: .whitespaces) }
        return (message.to + message.cc).map(\.address).contains(where: { address in
            let address = address.lowercased()
            guard let at = address.firstIndex(of: "@"), address[address.index(after: at)...] == domain else { return false }
            let addressLocal = address[..<at]
            return addressLocal == local || addressLocal.hasPrefix(local + "+")
        }) || delivered.contains { $0.lowercased() == signUpAddress }
    }

    /// Mail has a header block with at least a From or a Date, and something in it.
    static func isMail(_ message: ParsedMessage) -> Bool {
        !message.headers.fields.isEmpty && (message.headers.rawValue(for: "From") != nil || message.headers.rawValue(for: "Date") != nil)
    }

    public func shutdown() async {
        await client.shutdown()
    }
}
