import ArgumentParser
import CarteiroInbox
import CarteiroJSON
import CarteiroMIME
import Foundation

extension MailCommand {
    /// Classifies .eml files as the inbox watcher will: one line per file.
    struct Classify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Classify .eml files as the inbox watcher does (confirm, decline, signup, unsubscribe, auto_reply, bounce, complaint, other).",
            discussion: """
                With --json, writes one JSON object per file and line: {"file", "kind", "reply_text", "email", "name", \
                "bounces": [{"recipient", "status", "permanent"}]}; absent values are null. "bounces" lists the \
                recipients a bounce, complaint or auto-reply is about; "permanent" means the address itself is gone. \
                A file that cannot be read stops the command with exit status 2 before anything is written.
                """
        )

        @Argument(help: "The .eml files.")
        var files: [String]

        @Flag(help: "Write one JSON object per line.")
        var json = false

        @Flag(help: "The files arrived at the sign-up address: a new message there is a sign-up.")
        var signupAddress = false

        func validate() throws {
            if files.isEmpty { throw ValidationError("Give at least one .eml file.") }
        }

        func run() async throws {
            for file in files where !FileManager.default.isReadableFile(atPath: file) {
                throw CLIError.badInput("cannot read \(file)")
            }
            let context = ClassificationContext(isSignupAddress: signupAddress)
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { throw CLIError.badInput("cannot read \(file)") }
                let classification = MessageClassifier.classify(ParsedMessage.parse([UInt8](data)), context: context)
                emit(json ? Self.jsonLine(file: file, classification) : Self.readableLine(file: file, classification))
            }
        }

        static func jsonLine(file: String, _ classification: Classification) -> String {
            var object = JSONObjectWriter(escapingSlashes: false)
            object.string("file", file)
            object.string("kind", classification.kind.rawValue)
            object.stringOrNull("reply_text", classification.replyText)
            object.stringOrNull("email", classification.email)
            object.stringOrNull("name", classification.name)
            let bounces = classification.bounces.map { bounce in
                var entry = JSONObjectWriter(escapingSlashes: false)
                entry.string("recipient", bounce.recipient)
                entry.stringOrNull("status", bounce.status)
                entry.raw("permanent", (bounce.permanent ? "true" : "false").utf8)
                return entry.finishText()
            }
            object.raw("bounces", "[\(bounces.joined(separator: ","))]".utf8)
            return object.finishText()
        }

        static func readableLine(file: String, _ classification: Classification) -> String {
            var line = "\(file): \(classification.kind.rawValue)"
            if let email = classification.email { line += " from \(email)" }
            if let name = classification.name { line += " (\(name))" }
            if let reply = classification.replyText, !reply.isEmpty {
                let oneLine = reply.split(whereSeparator: \.isNewline).joined(separator: " ")
                line += " reply \"\(oneLine.count > 60 ? String(oneLine.prefix(60)) + "…" : oneLine)\""
            }
            if !classification.bounces.isEmpty {
                let recipients = classification.bounces.map { bounce in
                    let details = [bounce.status, bounce.permanent ? "permanent" : nil].compactMap { $0 }
                    return details.isEmpty ? bounce.recipient : "\(bounce.recipient) (\(details.joined(separator: ", ")))"
                }
                line += " about " + recipients.joined(separator: ", ")
            }
            return line
        }
    }
}

extension JSONObjectWriter {
    /// A string, or null when there is none (the key is always written).
    fileprivate mutating func stringOrNull(_ key: String, _ value: String?) {
        if let value { string(key, value) } else { raw(key, "null".utf8) }
    }
}
