import CarteiroMIME
import Foundation
import Testing

@Suite struct ReplyParsingTests {
    /// What Python's `email` (default policy) reads from each reply: our independent reference.
    static func pythonView() throws -> [String: [String: Any]] {
        let folder = try Corpus.root().appendingPathComponent("replies")
        let script = """
            import sys, json, email, os
            from email import policy
            folder = sys.argv[1]
            for name in sorted(os.listdir(folder)):
                if name.endswith('.eml'):
                    msg = email.message_from_bytes(open(os.path.join(folder, name), 'rb').read(), policy=policy.default)
                    sender = msg['from'].addresses[0]
                    print(json.dumps({'name': name, 'subject': str(msg['subject']), 'fromName': sender.display_name,
                        'fromAddress': sender.addr_spec, 'inReplyTo': str(msg['in-reply-to']) if msg['in-reply-to'] else None}))
            """
        var result: [String: [String: Any]] = [:]
        for line in try Python.run(script, arguments: [folder.path]).split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            result[object["name"] as! String] = object
        }
        return result
    }

    @Test func decodesSenderSubjectAndInReplyToLikePython() throws {
        let python = try Self.pythonView()
        let messages = try Corpus.messages(in: "replies")
        try #require(messages.count >= 10)
        for (name, bytes) in messages {
            let parsed = ParsedMessage.parse(bytes)
            let reference = try #require(python[name])
            #expect(parsed.subject == reference["subject"] as? String, "\(name)")
            #expect(parsed.from.first?.address == reference["fromAddress"] as? String, "\(name)")
            #expect((parsed.from.first?.displayName ?? "") == reference["fromName"] as? String, "\(name)")
            if let inReplyTo = reference["inReplyTo"] as? String {
                #expect(parsed.inReplyTo.map { "<\($0)>" } == inReplyTo, "\(name)")
            } else {
                #expect(parsed.inReplyTo == nil, "\(name)")
            }
        }
    }

    // Thunderbird's reply here is bottom-posted, so the typed text is looked for anywhere in the body.
    @Test func textBodyContainsWhatThePersonTyped() throws {
        for (name, bytes) in try Corpus.messages(in: "replies") {
            let stem = name.replacingOccurrences(of: ".eml", with: "")
            let typed = (try? Corpus.text("replies/\(stem)_reply_text")) ?? "Hello"
            let body = try #require(ParsedMessage.parse(bytes).textBody, "\(name)")
            let words = CorpusParsingTests.collapse(typed)
            #expect(CorpusParsingTests.collapse(body).contains(words), "\(name): \(body.prefix(80).debugDescription)")
        }
    }
}
