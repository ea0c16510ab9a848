import ArgumentParser
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
        help: "smtp://[user:pass@]host:port[?starttls=required&connections=N], smtps://…, or file:///folder; repeat for several relays. [env: CARTEIRO_RELAY] (default: file://carteiro-data/outbox)")
    var relayURLs: [String] = []

    @Option(help: "How jobs are spread over relays: round-robin, weighted or least-outstanding.")
    var strategy = "round-robin"

    @Option(name: .customLong("batch-size"), help: "Jobs a worker claims at once.")
    var batchSize = 200

    @Option(name: .customLong("lease-seconds"), help: "How long a claimed job stays with this worker before another may take it over.")
    var leaseSeconds = 300

    @Option(help: "Finish an interrupted send (its id, printed when it was accepted) instead of starting one.")
    var resume: String?

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Parallel connections to the relay.")
    var concurrency = 8

    @Option(name: .customLong("dkim-key"), help: "PEM private key to sign with (repeatable: RSA and Ed25519 both sign).")
    var dkimKeys: [String] = []

    @Option(name: .customLong("dkim-selector"), help: "DKIM selector of the key(s).")
    var dkimSelector: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() async throws {
        var logger = Logger(label: "carteiro.send")
        logger.logLevel = .warning
        if resume != nil {
            guard from == nil, subject == nil, recipients.isEmpty, recipientFile == nil else {
                throw CLIError.badInput("--resume takes no message or recipients: they are in the store")
            }
            try await runPipeline(plan: nil, logger: logger)
        } else {
            try await runPipeline(plan: try makePlan(), logger: logger)
        }
    }

    struct Plan {
        let send: Send
        let jobs: [EmailJob]
        let duplicates: Int
    }

    /// Every check that can fail on bad input, before anything is sent.
    private func makePlan() throws -> Plan {
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
            var rows: [(email: EmailAddress, name: String?, variables: [String: String])] = []
            var columns: Set<String> = []
            if let recipientFile {
                let list = try RecipientCSV.parse(try Self.read(recipientFile, what: "--to-file"))
                columns = Set(list.columns).subtracting(["email", "name"])
                rows = list.rows.map { ($0.email, $0.name, $0.variables) }
            } else {
                for recipient in recipients {
                    let address = try MailAddress(recipient)
                    rows.append((try EmailAddress(address.address, field: "--to"), nil, [:]))
                }
            }
            guard !rows.isEmpty else { throw CLIError.badInput("no recipients") }
            // Compiled here only to refuse a bad template before anything is written or sent.
            _ = try MailTemplate(subject: subject, html: htmlBody, text: textBody, extraVariables: columns)
            for relay in relayURLs { _ = try RelayURL.parse(relay) }
            _ = try makeSigner(domain: String(sender.domain))
            let now = Date()
            let send = try Send(
                stream: .bulk, from: try EmailAddress(sender.address, field: "--from"), fromName: fromName,
                replyTo: try replyToAddress.map { try EmailAddress($0.address, field: "--reply-to") }, subject: subject, htmlBody: htmlBody,
                textBody: textBody, extraVariables: columns.sorted(), createdAt: now)
            let sendID = send.id
            var seen = Set<String>()
            let jobs = rows.compactMap { row -> EmailJob? in
                // The same address twice in one send gets one message.
                guard seen.insert(row.email.canonical).inserted else { return nil }
                return EmailJob(
                    sendID: sendID, recipient: row.email, recipientName: row.name, stream: .bulk, variables: row.variables, dueAt: now, createdAt: now)
            }
            return Plan(send: send, jobs: jobs, duplicates: rows.count - jobs.count)
        } catch let error as CLIError {
            throw error
        } catch let error as CarteiroDomain.ValidationError {
            throw CLIError.badInput("\(error.field): \(error.reason)")
        } catch let error as MIMEError {
            throw CLIError.badInput("\(error.field): \(error.message)")
        } catch let error as TemplateError {
            throw CLIError.badInput("template \(error)")
        } catch let error as RelayURLError {
            throw CLIError.badInput(error.description)
        } catch let error as RecipientListError {
            throw CLIError.badInput("\(recipientFile ?? "recipients") \(error)")
        } catch {
            throw CLIError.badInput("\(error)")
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
    var sent = 0
    var failed = 0
    var suppressed = 0
    var duplicates = 0
    var retried = 0
    var perRelay: [String: Int] = [:]
    var failures: [String: [String]] = [:]
    var seconds = 0.0
    var relay = ""

    mutating func fail(_ recipient: String, reason: String) {
        failed += 1
        failures[reason, default: []].append(recipient)
    }

    func print(json: Bool) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(self) { emit(String(decoding: data, as: UTF8.self)) }
            return
        }
        let rate = seconds > 0 ? Double(sent) / seconds : 0
        emit("sent: \(sent)  failed: \(failed)  suppressed: \(suppressed)  duplicates: \(duplicates)  retried: \(retried)")
        emit("  \(String(format: "%.1f", seconds)) s, \(Int(rate)) messages/s; send \(sendID)")
        for (relay, count) in perRelay.sorted(by: { $0.key < $1.key }) { emit("  via \(relay): \(count)") }
        for (reason, recipients) in failures.sorted(by: { $0.value.count > $1.value.count }) {
            let shown = recipients.prefix(5).joined(separator: ", ") + (recipients.count > 5 ? ", …" : "")
            emit("  failed \(recipients.count): \(reason) [\(shown)]")
        }
    }
}
