import ArgumentParser
import CarteiroDelivery
import CarteiroDomain
import CarteiroMIME
import CarteiroMail
import CurlKit
import Foundation
import Logging

/// `carteiro send`: builds one message per recipient from a template and sends them through a
/// relay (or into a folder of .eml files). Everything is validated before the first message goes.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a message to one or more recipients.",
        discussion: """
            Subject and bodies are mustache templates: {{name}}, {{first_name}}, {{email}} and any CSV column.
            Exit status: 0 all sent, 1 some failed, 2 bad input (nothing sent).
            """
    )

    @Option(help: "Sender address.")
    var from: String?

    @Option(name: .customLong("from-name"), help: "Sender display name.")
    var fromName: String?

    @Option(name: .customLong("reply-to"), help: "Reply-To address.")
    var replyTo: String?

    @Option(help: "Subject (a template).")
    var subject: String?

    @Option(help: "Plain-text body (a template).")
    var text: String?

    @Option(name: .customLong("text-file"), help: "File with the plain-text body.")
    var textFile: String?

    @Option(name: .customLong("html-file"), help: "File with the HTML body.")
    var htmlFile: String?

    @Option(name: .customLong("to"), help: "Recipient address (repeatable).")
    var recipients: [String] = []

    @Option(name: .customLong("to-file"), help: "CSV with a header row: email, optional name, other columns for the template.")
    var recipientFile: String?

    @Option(
        name: .customLong("relay"),
        help:
            "smtp://[user:pass@]host:port[?starttls=required&connections=N], smtps://…, or file:///folder; repeat for several relays. [env: CARTEIRO_RELAY] (default: file://carteiro-data/outbox)"
    )
    var relayURLs: [String] = []

    @Option(help: "How jobs are spread over relays: round-robin, weighted or least-outstanding.")
    var strategy = "round-robin"

    @Option(name: .customLong("batch-size"), help: "Jobs a worker claims at once.")
    var batchSize = Self.defaultBatchSize

    static let defaultBatchSize = 200

    @Option(
        name: .customLong("parallel-batches"),
        help: "Batches claimed and in flight at once (default: half the connections of all relays, at least 2 per relay, at most 8).")
    var parallelBatches: Int?

    @Option(
        name: .customLong("lease-seconds"),
        help:
            "Seconds before another worker may take over a job this one claimed and stopped renewing (after a crash); renewed every third of it while it works."
    )
    var leaseSeconds = 30

    @Option(help: "Finish an interrupted send (its id, printed when it was accepted) instead of starting one.")
    var resume: String?

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Parallel connections to each relay; overrides the URL's connections= (default: 8).")
    var concurrency: Int?

    @Option(name: .customLong("dkim-key"), help: "PEM private key to sign with (repeatable: RSA and Ed25519 both sign).")
    var dkimKeys: [String] = []

    @Option(name: .customLong("dkim-selector"), help: "DKIM selector of the key(s).")
    var dkimSelector: String?

    @Flag(
        name: .customLong("queue-only"),
        help:
            "Accept the send into the store, print its id and exit without sending: workers (carteiro serve --roles worker) on the same store send it."
    )
    var queueOnly = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    /// Jobs written per enqueue call while a send is accepted.
    static let enqueueChunk = 5_000

    func run() async throws {
        let started = ContinuousClock.now
        MallocTuning.shareOneArena()
        var logger = Logger(label: "carteiro.send")
        logger.logLevel = .warning
        if resume != nil {
            guard from == nil, subject == nil, recipients.isEmpty, recipientFile == nil else {
                throw CLIError.badInput("--resume takes no message or recipients: they are in the store")
            }
            guard !queueOnly else { throw CLIError.badInput("--resume sends; --queue-only is for a new send") }
            try await runPipeline(plan: nil, logger: logger)
        } else {
            try await runPipeline(plan: try makePlan(), logger: logger, started: started)
        }
    }

    /// A validated send, not yet written: the recipients are read again from their source when
    /// the jobs are enqueued, so a list of any length is never held in memory whole.
    struct Plan {
        let send: Send
        let recipients: RecipientSource
        /// Recipient rows given (blank CSV lines aside), before duplicate and suppression removal.
        let requested: Int
    }

    /// Where the recipients come from: `--to` addresses or a `--to-file` CSV.
    enum RecipientSource {
        case addresses([EmailAddress])
        case file(String)

        func makeReader() throws -> RecipientReader {
            switch self {
            case .addresses(let addresses):
                return .addresses(addresses[...])
            case .file(let path):
                guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError.badInput("--to-file \(path): cannot read the file") }
                return .csv(try RecipientCSVReader(file: handle))
            }
        }
    }

    /// One recipient at a time, whichever the source.
    enum RecipientReader {
        case addresses(ArraySlice<EmailAddress>)
        case csv(RecipientCSVReader)

        var columns: [String] {
            if case .csv(let reader) = self { return reader.columns }
            return ["email"]
        }

        mutating func next() throws -> (email: EmailAddress, name: String?, variables: [String: String])? {
            switch self {
            case .addresses(var rest):
                guard let email = rest.popFirst() else { return nil }
                self = .addresses(rest)
                return (email, nil, [:])
            case .csv(var reader):
                // Moved out and back so the reader is not copied on every row.
                self = .addresses([])
                defer { self = .csv(reader) }
                guard let row = try reader.next() else { return nil }
                return (row.email, row.name, row.variables)
            }
        }
    }

    /// Every check that can fail on bad input, before anything is written or sent. The recipient
    /// file is read through once here, keeping only a count: the first bad row stops everything.
    func makePlan() throws -> Plan {
        guard let from, let subject else { throw CLIError.badInput("give --from and --subject (or --resume SEND)") }
        do {
            let sender = try MailAddress(from, displayName: fromName)
            let replyToAddress = try replyTo.map { address throws(MIMEError) in try MailAddress(address) }
            let textBody = try text ?? textFile.map { try Self.read($0, what: "--text-file") }
            let htmlBody = try htmlFile.map { try Self.read($0, what: "--html-file") }
            guard (text == nil) != (textFile == nil) || (text == nil && textFile == nil && htmlBody != nil) else {
                throw CLIError.badInput(text != nil ? "give --text or --text-file, not both" : "give --text, --text-file or --html-file")
            }
            guard recipients.isEmpty != (recipientFile == nil) else {
                throw CLIError.badInput(recipients.isEmpty ? "give --to or --to-file" : "give --to or --to-file, not both")
            }
            if queueOnly, !dkimKeys.isEmpty {
                // Keys are not stored with the send: the workers that send it would not sign.
                throw CLIError.badInput("--dkim-key signs only what this process sends; it cannot be used with --queue-only")
            }
            let source: RecipientSource
            if let recipientFile {
                source = .file(recipientFile)
            } else {
                source = .addresses(
                    try recipients.map { recipient in try EmailAddress(try MailAddress(recipient).address, field: "--to") })
            }
            var reader = try source.makeReader()
            let columns = Set(reader.columns).subtracting(["email", "name"])
            var requested = 0
            while try reader.next() != nil { requested += 1 }
            guard requested > 0 else { throw CLIError.badInput("no recipients") }
            // Compiled here only to refuse a bad template before anything is written or sent.
            _ = try MailTemplate(subject: subject, html: htmlBody, text: textBody, extraVariables: columns)
            for relay in relayURLs { _ = try RelayDefinition.parse(relay) }
            _ = try makeSigner(domain: String(sender.domain))
            let send = try Send(
                stream: .bulk, from: try EmailAddress(sender.address, field: "--from"), fromName: fromName,
                replyTo: try replyToAddress.map { try EmailAddress($0.address, field: "--reply-to") }, subject: subject, htmlBody: htmlBody,
                textBody: textBody, extraVariables: columns.sorted(), createdAt: Date())
            return Plan(send: send, recipients: source, requested: requested)
        } catch {
            throw Self.badInput(error, source: recipientFile)
        }
    }

    /// Bad input as the one line the CLI prints.
    static func badInput(_ error: any Error, source: String?) -> CLIError {
        switch error {
        case let error as CLIError: error
        case let error as CarteiroDomain.ValidationError: CLIError.badInput("\(error.field): \(error.reason)")
        case let error as MIMEError: CLIError.badInput("\(error.field): \(error.message)")
        case let error as TemplateError: CLIError.badInput("template \(error)")
        case let error as RelayURLError: CLIError.badInput(error.description)
        case let error as RecipientListError: CLIError.badInput("\(source ?? "recipients") \(error)")
        default: CLIError.badInput("\(error)")
        }
    }

    static let defaultRelay = "file://" + URL(fileURLWithPath: "carteiro-data/outbox").path

    private static func read(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError.badInput("\(what) \(path): cannot read the file") }
        guard let text = String(data: data, encoding: .utf8) else { throw CLIError.badInput("\(what) \(path): not UTF-8 text") }
        return text
    }
}

/// What a send did, for people (lines) or programs (`--json`).
struct SendSummary: Encodable {
    var sendID = ""
    var requested = 0
    var sent = 0
    var failed = 0
    var suppressed = 0
    var duplicates = 0
    var retried = 0
    var perRelay: [String: Int] = [:]
    /// Failed recipients by reason: the first `listedFailures` of each.
    var failures: [String: [String]] = [:]
    var failuresByReason: [String: Int] = [:]
    /// From starting to send to the last outcome recorded (acceptance excluded).
    var seconds = 0.0
    /// Validating the recipients and writing the send and its jobs.
    var acceptSeconds = 0.0
    var relay = ""
    /// Circuit-breaker changes, e.g. "smtp://a:25: closed → open (5 transient failures in a row)".
    var breakerEvents: [String] = []

    /// Recipients listed per failure reason; the rest are counted only, so a send that fails
    /// for a million recipients does not list them all in memory.
    static let listedFailures = 100

    mutating func fail(_ recipient: String, reason: String) {
        failed += 1
        failuresByReason[reason, default: 0] += 1
        if failures[reason, default: []].count < Self.listedFailures { failures[reason, default: []].append(recipient) }
    }

    func print(json: Bool) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(self) { emit(String(decoding: data, as: UTF8.self)) }
            return
        }
        let rate = seconds > 0 ? Double(sent) / seconds : 0
        emit("requested: \(requested)  sent: \(sent)  failed: \(failed)  suppressed: \(suppressed)  duplicates: \(duplicates)  retried: \(retried)")
        emit(
            "  \(String(format: "%.1f", seconds)) s, \(Int(rate)) messages/s (accepted in \(String(format: "%.1f", acceptSeconds)) s before); send \(sendID)"
        )
        for (relay, count) in perRelay.sorted(by: { $0.key < $1.key }) { emit("  via \(relay): \(count)") }
        for event in breakerEvents { emit("  breaker \(event)") }
        for (reason, count) in failuresByReason.sorted(by: { $0.value > $1.value }) {
            let recipients = failures[reason] ?? []
            let shown = recipients.prefix(5).joined(separator: ", ") + (count > 5 ? ", …" : "")
            emit("  failed \(count): \(reason) [\(shown)]")
        }
    }
}

/// glibc malloc settings for a bulk send: a send of a million recipients must stay within 64 MB.
enum MallocTuning {
    /// One arena instead of one per thread: each arena keeps the memory its threads freed.
    /// Threads that allocate at the same time are few here (two cores' worth), so sharing costs no
    /// measurable speed. A thread's first allocation picks its arena, so `main` calls this before
    /// anything for `carteiro send`; `SendCommand.run` calls it again for in-process sends.
    static func shareOneArena() {
        #if os(Linux)
            _ = glibcMallopt(-8 /* M_ARENA_MAX */, 1)
        #endif
    }

    /// Hands the free pages inside the heap back to the system (malloc_trim), so that memory
    /// freed between batches in the middle of the heap does not stay resident. Cheap enough to
    /// call every few seconds.
    static func releaseFreeMemory() {
        #if os(Linux)
            _ = glibcMallocTrim(0)
        #endif
    }
}

#if os(Linux)
    // From glibc's <malloc.h>, which the Glibc module does not export.
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32

    @_silgen_name("malloc_trim")
    private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
