import CarteiroMIME
import Foundation
import Testing

@Suite struct CorpusParsingTests {
    /// Parses and reads every convenience, so lazily decoded parts are exercised too.
    static func exercise(_ bytes: [UInt8]) -> (ParsedMessage, Duration) {
        let clock = ContinuousClock()
        var message: ParsedMessage?
        let elapsed = clock.measure {
            let parsed = ParsedMessage.parse(bytes)
            _ = (parsed.subject, parsed.from, parsed.to, parsed.messageID, parsed.inReplyTo, parsed.references, parsed.date)
            _ = (parsed.textBody, parsed.htmlBody, parsed.deliveryStatus?.recipients.map(\.status), parsed.attachedHeaders?.count)
            _ = parsed.feedbackReport?.feedbackType
            for part in parsed.allParts {
                _ = (part.text, part.filename, part.message?.subject)
            }
            message = parsed
        }
        return (message!, elapsed)
    }

    @Test(arguments: ["bounces/maildir/bsd", "bounces/maildir/not", "replies"])
    func parsesEveryCorpusMessageQuickly(_ folder: String) throws {
        let messages = try Corpus.messages(in: folder)
        try #require(!messages.isEmpty)
        var withHeaders = 0
        for (name, bytes) in messages {
            let (parsed, elapsed) = Self.exercise(bytes)
            #expect(elapsed < .seconds(1), "\(name) took \(elapsed)")
            if parsed.headers.count >= 3, parsed.headers.contains("From") || parsed.headers.contains("Date") { withHeaders += 1 }
        }
        // Every corpus file is a real message with a header section.
        #expect(withHeaders == messages.count)
    }

    @Test func agreesWithPythonOnSubjectsAndSenders() throws {
        let folder = try Corpus.root().appendingPathComponent("bounces/maildir/bsd")
        let messages = try Corpus.messages(in: "bounces/maildir/bsd")
        let script = """
            import sys, json, email, os
            from email import policy
            folder = sys.argv[1]
            for name in sorted(os.listdir(folder)):
                if not name.endswith('.eml'):
                    continue
                msg = email.message_from_bytes(open(os.path.join(folder, name), 'rb').read(), policy=policy.default)
                try:
                    subject = str(msg['subject']) if msg['subject'] is not None else None
                except Exception:
                    subject = None
                try:
                    sender = [a.addr_spec for a in msg['from'].addresses] if msg['from'] is not None else []
                except Exception:
                    sender = None
                print(json.dumps({'name': name, 'subject': subject, 'from': sender}))
            """
        var pythonByName: [String: [String: Any]] = [:]
        for line in try Python.run(script, arguments: [folder.path]).split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            pythonByName[object["name"] as! String] = object
        }
        var compared = 0
        var subjectsAgree = 0
        var sendersAgree = 0
        for (name, bytes) in messages {
            guard let python = pythonByName[name], let subject = python["subject"] as? String, let sender = python["from"] as? [String] else {
                continue
            }
            compared += 1
            let parsed = ParsedMessage.parse(bytes)
            // Python keeps folding whitespace inside unstructured values; compare with runs of whitespace collapsed.
            if Self.collapse(parsed.subject ?? "") == Self.collapse(subject) {
                subjectsAgree += 1
            } else {
                print("  subject differs in \(name): \((parsed.subject ?? "").debugDescription) vs Python \(subject.debugDescription)")
            }
            // Python spells the null sender ("From: <>") as the address "<>"; we list no address.
            if parsed.from.map(\.address) == sender.filter({ $0 != "<>" }) {
                sendersAgree += 1
            } else {
                print("  from differs in \(name): \(parsed.from.map(\.address)) vs Python \(sender)")
            }
        }
        print("Python agreement over \(compared) bounces: subject \(subjectsAgree), from \(sendersAgree)")
        #expect(compared > 600)
        #expect(Double(subjectsAgree) / Double(compared) > 0.97)
        #expect(Double(sendersAgree) / Double(compared) > 0.97)
    }

    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    @Test func findsSisimaiRecipientsAndStatusesInStandardDSNs() throws {
        let json = try Data(contentsOf: try Corpus.root().appendingPathComponent("bounces/sisimai-bsd.json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: json) as? [String: [[String: Any]]])
        var dsnRecords = 0
        var dsnMatched = 0
        var otherRecords = 0
        var otherMatched = 0
        var misses: [String] = []
        for (name, bytes) in try Corpus.messages(in: "bounces/maildir/bsd") {
            guard let records = expected[name], !records.isEmpty else { continue }
            let parsed = ParsedMessage.parse(bytes)
            let recipients = parsed.deliveryStatus?.recipients ?? []
            let isStandardDSN = parsed.root.contentType == "multipart/report" && !recipients.isEmpty
            for record in records {
                guard let recipient = record["recipient"] as? String, !recipient.isEmpty else { continue }
                let status = record["status"] as? String ?? ""
                let found = recipients.contains { candidate in
                    candidate.recipient?.lowercased() == recipient.lowercased() && (status.isEmpty || candidate.status == status)
                }
                if isStandardDSN {
                    dsnRecords += 1
                    if found {
                        dsnMatched += 1
                    } else {
                        misses.append("\(name): \(recipient) \(status) vs \(recipients.map { "\($0.recipient ?? "-") \($0.status ?? "-")" })")
                    }
                } else {
                    otherRecords += 1
                    if found { otherMatched += 1 }
                }
            }
        }
        let share = Double(dsnMatched) / Double(max(dsnRecords, 1))
        print("Sisimai match: RFC 3464 DSNs \(dsnMatched)/\(dsnRecords) (\(Int(share * 1000) / 10)%), others \(otherMatched)/\(otherRecords)")
        for miss in misses.prefix(40) { print("  miss \(miss)") }
        #expect(dsnRecords > 200)
        #expect(share >= 0.85)
    }

    @Test func findsOriginalMessageIDInReturnedHeaders() throws {
        var withAttached = 0
        var withOriginalID = 0
        for (_, bytes) in try Corpus.messages(in: "bounces/maildir/bsd") {
            let parsed = ParsedMessage.parse(bytes)
            guard parsed.deliveryStatus != nil, let attached = parsed.attachedHeaders else { continue }
            withAttached += 1
            if let id = attached.rawValue(for: "Message-ID"), id.contains("@") { withOriginalID += 1 }
        }
        print("DSNs with returned headers: \(withAttached), with their Message-ID: \(withOriginalID)")
        #expect(withAttached > 150)
        #expect(Double(withOriginalID) / Double(withAttached) > 0.8)
    }

    @Test func readsFeedbackReports() throws {
        var reports = 0
        var withType = 0
        for (name, bytes) in try Corpus.messages(in: "bounces/maildir/bsd") where name.hasPrefix("arf-") {
            guard let report = ParsedMessage.parse(bytes).feedbackReport else { continue }
            reports += 1
            if let type = report.feedbackType, ["abuse", "fraud", "virus", "other", "not-spam", "auth-failure", "opt-out"].contains(type) {
                withType += 1
            }
        }
        #expect(reports >= 10)
        #expect(withType == reports)
    }
}
