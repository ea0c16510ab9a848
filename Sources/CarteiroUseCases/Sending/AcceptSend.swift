public import CarteiroDomain
import CarteiroMIME
import CarteiroMail
public import Foundation

/// The use case "accept a send": checks a request, then stores the send and one job per
/// recipient (suppressed addresses left out, duplicates within the send counted) for the
/// workers to deliver. The CLI, the admin API and the scheduler all accept sends through it.
public struct AcceptSend: Sendable {
    /// A checked request, not yet stored.
    public struct Plan: Sendable {
        public let send: Send
        public let recipients: RecipientSource
        /// Recipient rows given (blank CSV lines aside), before duplicate and suppression removal.
        public let requested: Int
        /// See `SendRequest.reachesUnsubscribed`.
        public var reachesUnsubscribed = false
    }

    private let sends: any AggregateRepository<Send>
    private let emailJobs: any EmailJobQueue
    private let contacts: any AggregateRepository<Contact>

    /// Jobs written per enqueue call.
    public static let enqueueChunk = 5_000

    public init(store: any Store) {
        sends = store.sends
        emailJobs = store.emailJobs
        contacts = store.contacts
    }

    /// Every check that can fail on bad input, before anything is written: the template, the
    /// addresses, and every recipient row (all bad rows are reported at once). A recipient file
    /// is read through once here, keeping only a count.
    public static func validate(_ request: SendRequest, now: Date = Date()) throws(SendRequestError) -> Plan {
        do {
            try MIMEError.checkNoLineBreaks(request.subject, field: "subject")
        } catch {
            throw SendRequestError(field: "subject", error.message)
        }
        var reader = try request.recipients.makeReader()
        let columns = Set(reader.columns).subtracting(["email", "name"])
        let template: MailTemplate
        do {
            template = try MailTemplate(subject: request.subject, html: request.htmlBody, text: request.textBody, extraVariables: columns)
        } catch {
            throw SendRequestError(field: "template", "\(error)")
        }
        var requested = 0
        var badRows: [RecipientListError] = []
        var badRowCount = 0
        func bad(_ error: RecipientListError) {
            badRowCount += 1
            if badRows.count < SendRequestError.listedRows { badRows.append(error) }
        }
        while true {
            do {
                guard let row = try reader.next() else { break }
                requested += 1
                // What composing would refuse later (a line break in the To name or in the
                // subject as this recipient's values render it) is refused now, before any job
                // is stored or sent.
                do {
                    try MailComposer.checkHeaders(recipient: row.email, name: row.name, variables: row.variables, template: template)
                } catch {
                    bad(RecipientListError(line: row.line, message: error.message, isRowError: true))
                }
            } catch {
                bad(error)
                // A row that could not be read at all ends the file; a bad row is skipped.
                guard error.isRowError else { break }
            }
        }
        guard badRows.isEmpty else { throw SendRequestError(rows: badRows, badRowCount: badRowCount, source: request.recipients.name) }
        guard requested > 0 else { throw SendRequestError(field: request.recipients.name, "no recipients") }
        let send: Send
        do {
            send = try Send(
                id: request.sendID ?? SendID(), campaignID: request.campaignID, stream: request.stream, route: request.route, from: try EmailAddress(request.from.address, field: "from"), fromName: request.from.displayName,
                replyTo: try request.replyTo.map { try EmailAddress($0.address, field: "reply-to") }, subject: request.subject,
                htmlBody: request.htmlBody, textBody: request.textBody, extraVariables: columns.sorted(), threading: request.threading,
                tracking: request.stream == .bulk ? request.tracking : nil, createdAt: now)
        } catch let error as ValidationError {
            throw SendRequestError(field: error.field, error.reason)
        } catch {
            throw SendRequestError(field: "send", "\(error)")
        }
        return Plan(send: send, recipients: request.recipients, requested: requested, reachesUnsubscribed: request.reachesUnsubscribed)
    }

    /// Whether a suppressed address gets this send all the same: an answer to someone who
    /// unsubscribed from our mailings (or declined one) and then wrote to us.
    private func reaches(_ address: EmailAddress, _ plan: Plan) async throws -> Bool {
        guard plan.reachesUnsubscribed, let contact = try await contacts.find(email: address) else { return false }
        return contact.status == .unsubscribed || contact.status == .declined
    }

    /// Writes the send, then its jobs in chunks, reading the recipients a second time (the first
    /// read validated them all); returns the stored send once every job is committed.
    /// Duplicates within the send are left to the queue (one job per send and recipient), and
    /// suppressed addresses are looked up in a set of the suppressed ones only.
    public func accept(_ plan: Plan, now: Date = Date()) async throws -> Send {
        let suppression = try await SuppressionList.load(from: contacts)
        var send = plan.send
        send.requested = plan.requested
        var resuming = false
        do {
            send = try await sends.insert(send)
        } catch let error as StoreError where error.isDuplicate {
            // A send whose identifier the caller fixed, accepted before but perhaps not to the
            // end: its jobs are enqueued again, and the queue keeps one per recipient.
            guard let stored = try await sends.get(send.id) else { throw error }
            send = stored
            send.requested = plan.requested
            resuming = true
        }

        var duplicates = 0
        var suppressed = 0
        var rows = 0
        // A suppressed address given twice is one suppression and one duplicate, as for any other
        // address; this set is never larger than the suppression list.
        var suppressedSeen = Set<String>()
        var chunk: [EmailJob] = []
        chunk.reserveCapacity(Self.enqueueChunk)
        func flush() async throws {
            guard !chunk.isEmpty else { return }
            duplicates += try await emailJobs.enqueue(chunk, events: []).duplicates
            chunk.removeAll(keepingCapacity: true)
        }
        var reader = try plan.recipients.makeReader()
        while true {
            let row: RecipientReader.Row?
            do {
                row = try reader.next()
            } catch {
                throw SendRequestError(rows: [error], source: plan.recipients.name)
            }
            guard let row else { break }
            rows += 1
            if !suppression.isEmpty, suppression.contains(row.email), try await !reaches(row.email, plan) {
                if suppressedSeen.insert(row.email.canonical).inserted { suppressed += 1 } else { duplicates += 1 }
                continue
            }
            chunk.append(
                EmailJob(
                    sendID: send.id, campaignID: send.campaignID, contactID: row.contactID, recipient: row.email, recipientName: row.name, stream: send.stream, route: send.route, variables: row.variables, dueAt: now,
                    createdAt: now))
            if chunk.count == Self.enqueueChunk { try await flush() }
        }
        try await flush()
        guard rows == plan.requested else {
            throw SendRequestError(field: plan.recipients.name, "changed while it was read: \(plan.requested) rows, then \(rows)")
        }
        send.suppressed = suppressed
        // Run again, the recipients enqueued the first time come back as duplicates: they are
        // not duplicates of the audience.
        if !resuming { send.duplicates = duplicates }
        return try await sends.update(send)
    }
}
