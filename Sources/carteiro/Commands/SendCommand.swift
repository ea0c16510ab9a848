import ArgumentParser
import CarteiroDelivery
import CarteiroDomain
import CarteiroMIME
import CarteiroMail
import CarteiroServer
import CarteiroUseCases
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

    @Option(help: "Sender: an address, or 'Name <address>'.")
    var from: String?

    @Option(name: .customLong("from-name"), help: "Sender display name (wins over a name in --from).")
    var fromName: String?

    @Option(name: .customLong("reply-to"), help: "Reply-To: an address, or 'Name <address>'.")
    var replyTo: String?

    @Option(help: "Subject (a template).")
    var subject: String?

    @Option(help: "Plain-text body (a template).")
    var text: String?

    @Option(name: .customLong("text-file"), help: "File with the plain-text body.")
    var textFile: String?

    @Option(name: .customLong("html-file"), help: "File with the HTML body.")
    var htmlFile: String?

    @Option(name: .customLong("to"), help: "Recipient: an address, or 'Name <address>' (repeatable).")
    var recipients: [String] = []

    @Option(name: .customLong("to-file"), help: "CSV with a header row: email, optional name, other columns for the template.")
    var recipientFile: String?

    @Option(
        name: .customLong("parallel-batches"),
        help: "Batches claimed and in flight at once (default: half the connections of all relays, at least 2 per relay, at most 8).")
    var parallelBatches: Int?

    @Option(help: "Finish an interrupted send (its id, printed when it was accepted) instead of starting one.")
    var resume: String?

    @OptionGroup var storeOptions: StoreOptions

    @Option(
        name: .customLong(SignUpConfiguration.Keys.publicURL.flag),
        help: "Public base URL of the server that answers unsubscribe links (https://example.com): bulk mail then carries one-click List-Unsubscribe.")
    var publicURL: String?

    @OptionGroup var deliveryOptions: DeliveryOptions

    @Option(help: "Parallel connections to each relay; overrides the URL's connections= (default: 8).")
    var concurrency: Int?

    @Option(name: .customLong("dkim-key"), help: "PEM private key to sign this send's From domain with (repeatable); --dkim DOMAIN:SELECTOR:KEYFILE is the same for any domain.")
    var dkimKeys: [String] = []

    @Option(name: .customLong("dkim-selector"), help: "DKIM selector of the --dkim-key key(s).")
    var dkimSelector: String?

    @Option(
        name: .customLong("give-up-after"),
        help: "Stop with exit status 1 when no relay has taken a message for this long (30s, 10m, 1h); the jobs stay queued for --resume.")
    var giveUpAfter: String = "5m"

    @Flag(
        name: .customLong("queue-only"),
        help:
            "Accept the send into the store, print its id and exit without sending: workers (carteiro serve --roles worker) on the same store send it."
    )
    var queueOnly = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

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
            try await runPipeline(plan: { route in try makePlan(route: route) }, logger: logger, started: started)
        }
    }

    /// Every check that can fail on bad input, before anything is written or sent (the use case
    /// reads the recipients through once and reports every bad row).
    func makePlan(route: String?) throws -> AcceptSend.Plan {
        guard let from, let subject else { throw CLIError.badInput("give --from and --subject (or --resume SEND)") }
        do {
            let sender = try MailAddress(parsing: from, displayName: fromName, field: "--from")
            let replyToAddress = try replyTo.map { address throws(MIMEError) in try MailAddress(parsing: address, field: "--reply-to") }
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
                throw CLIError.badInput("--dkim-key signs only what this process sends; with --queue-only give the workers --dkim DOMAIN:SELECTOR:KEYFILE")
            }
            let source: RecipientSource
            if let recipientFile {
                source = .csvFile(path: recipientFile)
            } else {
                source = .addresses(
                    try recipients.map { recipient in
                        let address = try MailAddress(parsing: recipient, field: "--to")
                        return (try EmailAddress(address.address, field: "--to"), address.displayName)
                    })
            }
            _ = try legacyKeyring(domain: String(sender.domain))
            return try AcceptSend.validate(
                SendRequest(
                    from: sender, replyTo: replyToAddress, subject: subject, textBody: textBody, htmlBody: htmlBody, recipients: source,
                    route: route))
        } catch {
            throw Self.badInput(error)
        }
    }

    /// Bad input as the line(s) the CLI prints.
    static func badInput(_ error: any Error) -> CLIError {
        switch error {
        case let error as CLIError: error
        case let error as CarteiroDomain.ValidationError: CLIError.badInput("\(error.field): \(error.reason)")
        case let error as MIMEError: CLIError.badInput("\(error.field): \(error.message)")
        case let error as SendRequestError: CLIError.badInput(error.description)
        case let error as RelayURLError: CLIError.badInput(error.description)
        default: CLIError.badInput("\(error)")
        }
    }

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
