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
    var from: String

    @Option(name: .customLong("from-name"), help: "Sender display name.")
    var fromName: String?

    @Option(name: .customLong("reply-to"), help: "Reply-To address.")
    var replyTo: String?

    @Option(help: "Subject (a template).")
    var subject: String

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

    @Option(help: "smtp://[user:pass@]host:port[?starttls=required], smtps://…, or file:///folder. [env: CARTEIRO_RELAY] (default: file://carteiro-data/outbox)")
    var relay: String?

    @Option(help: "Parallel connections to the relay.")
    var concurrency = 8

    @Option(name: .customLong("dkim-key"), help: "PEM private key to sign with (repeatable: RSA and Ed25519 both sign).")
    var dkimKeys: [String] = []

    @Option(name: .customLong("dkim-selector"), help: "DKIM selector of the key(s).")
    var dkimSelector: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() async throws {
        let plan = try makePlan()
        var logger = Logger(label: "carteiro.send")
        logger.logLevel = .warning
        let transport = makeTransport(plan.relay, logger: logger)
        let start = ContinuousClock.now
        var summary = SendSummary()
        let batchSize = max(64, concurrency * 32)
        for batchStart in stride(from: 0, to: plan.jobs.count, by: batchSize) {
            let batch = plan.jobs[batchStart..<min(batchStart + batchSize, plan.jobs.count)]
            var composed: [ComposedMessage] = []
            for job in batch {
                do {
                    composed.append(try plan.composer.compose(job, template: plan.template))
                } catch {
                    summary.fail(job.recipient.value, reason: "\(error)")
                }
            }
            let outcomes = await transport.deliver(composed)
            for (message, outcome) in zip(composed, outcomes) {
                switch outcome {
                case .accepted: summary.sent += 1
                case .rejected(let failure): summary.fail(message.recipients.joined(separator: ","), reason: failure.description)
                }
            }
        }
        await transport.shutdown()
        summary.seconds = (ContinuousClock.now - start).timeInterval
        summary.relay = transport.name
        summary.print(json: json)
        if summary.failed > 0 { throw ExitCode(1) }
    }

    private struct Plan {
        let jobs: [EmailJob]
        let template: MailTemplate
        let composer: MailComposer
        let relay: RelayURL
    }

    /// Every check that can fail on bad input, before anything is sent.
    private func makePlan() throws -> Plan {
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
            let template = try MailTemplate(subject: subject, html: htmlBody, text: textBody, extraVariables: columns)
            let relayURL = try RelayURL.parse(relay ?? Environment.value("CARTEIRO_RELAY") ?? Self.defaultRelay)
            let signer = try makeSigner(domain: String(sender.domain))
            let composer = MailComposer(configuration: .init(from: sender, replyTo: replyToAddress), signer: signer)
            let sendID = SendID()
            let now = Date()
            var seen = Set<String>()
            let jobs = rows.compactMap { row -> EmailJob? in
                // The same address twice in one send gets one message.
                guard seen.insert(row.email.canonical).inserted else { return nil }
                return EmailJob(
                    sendID: sendID, recipient: row.email, recipientName: row.name, stream: .bulk, variables: row.variables, dueAt: now, createdAt: now)
            }
            return Plan(jobs: jobs, template: template, composer: composer, relay: relayURL)
        } catch let error as CLIError {
            throw error
        } catch let error as CarteiroDomain.ValidationError {
            throw CLIError.badInput("\(error.field): \(error.reason)")
        } catch let error as MIMEError {
            throw CLIError.badInput("\(error.field): \(error.message)")
        } catch let error as TemplateError {
            throw CLIError.badInput("template \(error)")
        } catch let error as RecipientListError {
            throw CLIError.badInput("\(recipientFile ?? "recipients") \(error)")
        } catch {
            throw CLIError.badInput("\(error)")
        }
    }

    static let defaultRelay = "file://" + URL(fileURLWithPath: "carteiro-data/outbox").path

    private func makeTransport(_ relay: RelayURL, logger: Logger) -> any MailTransport {
        switch relay {
        case .file(let directory):
            return FileTransport(directory: directory)
        case .smtp(var configuration):
            configuration.maxConnections = concurrency
            return SMTPRelayTransport(name: RelayURL.redacted(configuration.url), configuration: configuration, logger: logger)
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
    var sent = 0
    var failed = 0
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
        emit("sent: \(sent)  failed: \(failed)  (\(String(format: "%.1f", seconds)) s, \(Int(rate)) messages/s via \(relay))")
        for (reason, recipients) in failures.sorted(by: { $0.value.count > $1.value.count }) {
            let shown = recipients.prefix(5).joined(separator: ", ") + (recipients.count > 5 ? ", …" : "")
            emit("  failed \(recipients.count): \(reason) [\(shown)]")
        }
    }
}
