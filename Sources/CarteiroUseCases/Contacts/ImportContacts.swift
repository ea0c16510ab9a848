public import CarteiroDomain
import CarteiroMail
public import Foundation

/// The use case "import contacts from CSV": every row is checked on its own, and a bad one is
/// reported (line, column, reason) without stopping the good ones. New contacts are written in
/// batches (`insertMany`); the addresses of a batch are looked up at once, as are erased ones.
public struct ImportContacts: Sendable {
    public enum Mode: String, Sendable, Hashable {
        /// A row for an existing contact updates it with the cells given.
        case upsert
        /// A row for an existing contact is skipped.
        case skipExisting = "skip_existing"
    }

    public struct RowError: Error, Sendable, Hashable {
        /// The line in the file (the header is line 1).
        public let row: Int
        public let column: String?
        public let reason: String
    }

    public struct Report: Sendable, Hashable {
        /// Data rows read (the header and blank lines aside).
        public var rows = 0
        public var created = 0
        public var updated = 0
        /// Existing contacts in `skipExisting` mode, and erased addresses (also listed in `errors`).
        public var skipped = 0
        public var failed = 0
        /// The first `listedErrors` refused rows.
        public var errors: [RowError] = []

        mutating func record(_ error: RowError) {
            failed += 1
            if errors.count < ImportContacts.listedErrors { errors.append(error) }
        }

        /// Both reports' counts; the first `listedErrors` of both lists, in line order.
        func merged(with other: Report) -> Report {
            var merged = self
            merged.created += other.created
            merged.updated += other.updated
            merged.skipped += other.skipped
            merged.failed += other.failed
            merged.errors = Array((errors + other.errors).sorted { $0.row < $1.row }.prefix(ImportContacts.listedErrors))
            return merged
        }
    }

    public static let listedErrors = 1_000
    /// Rows looked up and inserted together.
    public static let batchSize = 2_000

    private let contacts: any AggregateRepository<Contact>
    private let lists: any AggregateRepository<ContactList>

    public init(store: any Store) {
        contacts = store.contacts
        lists = store.contactLists
    }

    /// Imports `csv`; `evidence` names who imported (recorded as consent for `confirmed` rows).
    /// Throws only for a file that cannot be read at all (no usable header) or a list that does not exist.
    public func run(csv: [UInt8], mode: Mode = .upsert, listID: ContactListID? = nil, evidence: String, now: Date = Date()) async throws
        -> Report
    {
        if let listID, try await lists.get(listID) == nil {
            throw ContactError(.notFound, field: "listId", "no list \(listID)")
        }
        var records = CSVRecordReader(bytes: csv)
        let header: CSVRecordReader.Record
        do {
            guard let first = try records.next() else {
                throw ValidationError(field: "header", reason: "the file is empty; expected a header row with 'email'")
            }
            header = first
        } catch let error as RecipientListError {
            throw ValidationError(field: "header", reason: "line \(error.line): \(error.message)")
        }
        let layout = try ContactCSVLayout(header: header.fields)
        let anyErased = try await contacts.count("status", equals: Contact.Status.erased.rawValue) > 0
        let membership = listID.map { "\(ContactFields.listTagPrefix)\($0.rawValue)" }
        // Reading and checking rows (this task) goes on while the batches already cut are looked
        // up, encoded and written (the child task): the two take about as long as each other.
        let (batches, batchSink) = AsyncStream.makeStream(of: [Row].self)
        return try await withThrowingTaskGroup(of: ImportContacts.Report.self) { group in
            group.addTask { [contacts] in
                var importer = Importer(contacts: contacts, mode: mode, evidence: evidence, now: now)
                importer.anyErased = anyErased
                for await batch in batches { try await importer.flush(batch) }
                return importer.report
            }
            var reading = Reading(membership: membership)
            defer { batchSink.finish() }
            while true {
                let record: CSVRecordReader.Record
                do throws(RecipientListError) {
                    guard let next = try records.next() else { break }
                    record = next
                } catch {
                    reading.report.rows += 1
                    reading.fail(RowError(row: error.line, column: nil, reason: error.message))
                    records.skipRestOfRecord()
                    continue
                }
                if record.fields.count == 1, record.fields[0].trimmingWhitespace().isEmpty { continue }
                reading.report.rows += 1
                guard record.fields.count == layout.columns.count else {
                    reading.fail(
                        RowError(row: record.line, column: nil, reason: "has \(record.fields.count) fields, the header has \(layout.columns.count)"))
                    continue
                }
                switch Self.parse(record, layout: layout) {
                case .failure(let error): reading.fail(error)
                case .success(let row): if let batch = reading.add(row) { batchSink.yield(batch) }
                }
            }
            if let batch = reading.cut() { batchSink.yield(batch) }
            batchSink.finish()
            let written = try await group.next() ?? ImportContacts.Report()
            return reading.report.merged(with: written)
        }
    }

    struct Row: Sendable {
        let line: Int
        let address: ContactAddress
        var name: String?
        var locale: String?
        var timezone: String?
        var status: Contact.Status?
        var tags: Set<String> = []
        var attributes: [String: AttributeValue] = [:]
    }

    static func parse(_ record: CSVRecordReader.Record, layout: ContactCSVLayout) -> Result<Row, RowError> {
        var address: ContactAddress?
        var row = (name: String?.none, locale: String?.none, timezone: String?.none, status: Contact.Status?.none)
        var tags = Set<String>()
        var attributes: [String: AttributeValue] = [:]
        for (column, cell) in zip(layout.columns, record.fields) {
            let text = cell.trimmingWhitespace()
            func failure(_ reason: String) -> Result<Row, RowError> { .failure(RowError(row: record.line, column: column.header, reason: reason)) }
            switch column {
            case .email:
                do throws(ValidationError) {
                    address = try ContactAddress(parsing: text)
                } catch {
                    return failure("invalid email address '\(cell)': \(error.reason)")
                }
            case .name: row.name = text.isEmpty ? nil : text
            case .locale: row.locale = text.isEmpty ? nil : text
            case .timezone: row.timezone = text.isEmpty ? nil : text
            case .status:
                guard !text.isEmpty else { continue }
                guard let status = Contact.Status(rawValue: text.lowercased()), status != .erased else {
                    return failure("unknown status '\(text)' (pending, confirmed, declined, unsubscribed, bounced or complained)")
                }
                row.status = status
            case .tags:
                do throws(ValidationError) {
                    tags = try ContactFields.checkTags(text.split(separator: ";").map(String.init).filter { !$0.trimmingWhitespace().isEmpty })
                } catch {
                    return failure(error.reason)
                }
            case .attribute(let name, let kind):
                guard !text.isEmpty else { continue }
                do throws(ValidationError) {
                    attributes[name] = try AttributeValue(csvText: kind == .string ? cell : text, as: kind, field: column.header)
                } catch {
                    return failure(error.reason)
                }
            }
        }
        guard let address else { return .failure(RowError(row: record.line, column: "email", reason: "no address")) }
        return .success(
            Row(
                line: record.line, address: address, name: row.name ?? address.displayName, locale: row.locale, timezone: row.timezone,
                status: row.status, tags: tags, attributes: attributes))
    }
}

/// The rows of one import as they are read: checks that need no store, and the cut into batches.
private struct Reading {
    let membership: String?
    var report = ImportContacts.Report()
    private var batch: [ImportContacts.Row] = []
    private var batchAddresses = Set<String>()
    /// Time zone names already checked: `TimeZone(identifier:)` costs more than the rest of a row.
    private var knownTimeZones: Set<String> = ["America/Sao_Paulo"]

    init(membership: String?) { self.membership = membership }

    mutating func fail(_ error: ImportContacts.RowError) { report.record(error) }

    /// Adds a checked row; returns a batch to write when one is complete.
    mutating func add(_ row: ImportContacts.Row) -> [ImportContacts.Row]? {
        var row = row
        if let timezone = row.timezone, !knownTimeZones.contains(timezone) {
            guard TimeZone(identifier: timezone) != nil else {
                fail(.init(row: row.line, column: "timezone", reason: "'\(timezone)' is not an IANA time zone"))
                return nil
            }
            knownTimeZones.insert(timezone)
        }
        if let membership { row.tags.insert(membership) }
        // The second row for an address goes in the next batch, so that it sees the first one stored.
        var complete: [ImportContacts.Row]?
        if batchAddresses.contains(row.address.email.canonical) { complete = cut() }
        batch.append(row)
        batchAddresses.insert(row.address.email.canonical)
        if complete == nil, batch.count >= ImportContacts.batchSize { complete = cut() }
        return complete
    }

    /// The rows gathered so far, if any; the next batch starts empty.
    mutating func cut() -> [ImportContacts.Row]? {
        guard !batch.isEmpty else { return nil }
        defer {
            batch.removeAll(keepingCapacity: true)
            batchAddresses.removeAll(keepingCapacity: true)
        }
        return batch
    }
}

/// The writing side of one import: each batch's addresses looked up at once, then new contacts
/// inserted together and existing ones updated, and the report of what was written.
private struct Importer {
    let contacts: any AggregateRepository<Contact>
    let mode: ImportContacts.Mode
    let evidence: String
    let now: Date
    var anyErased = false
    var report = ImportContacts.Report()

    init(contacts: any AggregateRepository<Contact>, mode: ImportContacts.Mode, evidence: String, now: Date) {
        self.contacts = contacts
        self.mode = mode
        self.evidence = evidence
        self.now = now
    }

    mutating func fail(_ error: ImportContacts.RowError) { report.record(error) }

    mutating func flush(_ rows: [ImportContacts.Row]) async throws {
        guard !rows.isEmpty else { return }
        var erased = Set<String>()
        if anyErased {
            let hashes = rows.map(\.address.email.erasureHash)
            erased = Set(try await contacts.find("erased", anyOf: hashes).compactMap(\.erasedAddressHash))
        }
        let existing = Dictionary(
            try await contacts.find("email", anyOf: rows.map(\.address.email.canonical)).map { ($0.email.canonical, $0) },
            uniquingKeysWith: { first, _ in first })
        var fresh: [(line: Int, contact: Contact)] = []
        fresh.reserveCapacity(rows.count)
        for row in rows {
            if !erased.isEmpty, erased.contains(row.address.email.erasureHash) {
                report.skipped += 1
                if report.errors.count < ImportContacts.listedErrors {
                    report.errors.append(
                        .init(row: row.line, column: "email", reason: "this address belonged to an erased contact; it is suppressed for good"))
                }
                continue
            }
            if let contact = existing[row.address.email.canonical] {
                guard mode == .upsert else {
                    report.skipped += 1
                    continue
                }
                try await update(contact, with: row)
                continue
            }
            do throws(ValidationError) {
                let status = row.status ?? .pending
                let contact = try Contact(
                    email: row.address.email, name: row.name, locale: row.locale ?? "pt-BR", timezone: row.timezone ?? "America/Sao_Paulo",
                    status: status, tags: row.tags, attributes: row.attributes,
                    consent: status == .confirmed ? consent(line: row.line) : nil, createdAt: now)
                fresh.append((row.line, contact))
            } catch {
                fail(.init(row: row.line, column: error.field, reason: error.reason))
            }
        }
        guard !fresh.isEmpty else { return }
        do {
            try await contacts.insertMany(fresh.map(\.contact))
            report.created += fresh.count
        } catch let error as StoreError where error.isDuplicate {
            // Someone else took an address meanwhile: one at a time, to name the rows.
            for (line, contact) in fresh {
                do {
                    _ = try await contacts.insert(contact)
                    report.created += 1
                } catch let error as StoreError where error.isDuplicate {
                    fail(.init(row: line, column: error.field ?? "email", reason: error.message))
                }
            }
        }
    }

    private func consent(line: Int) -> Contact.Consent {
        Contact.Consent(at: now, method: .import, evidence: "\(evidence), line \(line)")
    }

    private mutating func update(_ stored: Contact, with row: ImportContacts.Row) async throws {
        var contact = stored
        if let name = row.name { contact.name = name }
        if let locale = row.locale { contact.locale = locale }
        if let timezone = row.timezone { contact.timezone = timezone }
        contact.tags.formUnion(row.tags)
        contact.attributes.merge(row.attributes) { _, new in new }
        if let status = row.status, status != contact.status {
            // Only a step forward: a row never makes a suppressed contact mailable again.
            do throws(TransitionError) {
                switch status {
                case .confirmed where contact.status == .pending: try contact.confirm(consent(line: row.line))
                case .unsubscribed, .bounced, .complained, .declined: try contact.move(to: status, at: now)
                default: break
                }
            } catch {
                return fail(.init(row: row.line, column: "status", reason: error.description))
            }
        }
        guard contact != stored else {
            report.updated += 1
            return
        }
        contact.updatedAt = now
        do {
            _ = try await contacts.update(contact)
            report.updated += 1
        } catch let error as StoreError where error.isConflict || error.isDuplicate {
            fail(.init(row: row.line, column: nil, reason: error.message))
        }
    }
}
