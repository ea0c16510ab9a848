import CarteiroMIME
import Foundation
import Testing

@Suite struct RenderingTests {
    static let date = Date(timeIntervalSince1970: 1_766_592_000)  // 2025-12-24 16:00:00 UTC

    static func messages() throws -> [OutgoingMessage] {
        let longAccented = Array(repeating: "Promoção de Natal 🎄 — até 50% off para você, João!", count: 4).joined(separator: " ")
        let longASCII = "Your weekly digest of the most interesting discussions, articles and announcements from the community this week"
        return [
            OutgoingMessage(
                from: try MailAddress("ana@example.com", displayName: #"Souza, Ana "Aninha""#),
                to: [try MailAddress("jose@example.es", displayName: "José Ñúñez"), try MailAddress("bia@example.com.br", displayName: "Bia")],
                cc: [try MailAddress("carl@example.org", displayName: "Carl (Ops) O'Neil")],
                replyTo: try MailAddress("reply@example.com"),
                subject: "Promoção de Natal 🎄 — até 50% off", date: date, messageID: "job-1.42@mail.example.com",
                textBody: "Olá José,\n\nAproveite a promoção: até 50% de desconto em tudo. Válida até 25/12.\n\n— Equipe 🎄",
                htmlBody: "<p>Olá <b>José</b>,</p><p>Aproveite a promoção: até 50% de desconto!</p>",
                headers: [
                    ("List-Unsubscribe", "<https://example.com/u/0123456789abcdef>, <mailto:unsubscribe@example.com?subject=unsubscribe>"),
                    ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                    ("List-Id", "Promoções <promo.example.com>"),
                    ("Auto-Submitted", "auto-generated"),
                ]),
            OutgoingMessage(
                from: try MailAddress(
                    "news@example.com", displayName: "Zoë 🐙 Ωmega — a very long display name that must be split into several encoded words"),
                to: [try MailAddress("x@example.com")], subject: longAccented, date: date, messageID: "2@example.com",
                textBody: String(repeating: "Texto muito longo sem quebras de linha, com acentuação e pontuação; ", count: 40)),
            OutgoingMessage(
                from: try MailAddress("digest@example.com", displayName: "Weekly Digest"), to: [try MailAddress("a@example.com")],
                subject: longASCII, date: date, messageID: "3@example.com",
                textBody: "Short lines only.\nSecond line.\n"),
            OutgoingMessage(
                from: try MailAddress("html@example.com"), to: [try MailAddress("b@example.com", displayName: "Ana Souza")],
                subject: "Só HTML", date: date, messageID: "4@example.com",
                htmlBody:
                    "<html><head><style>p{color:red}</style></head><body><h1>Oferta</h1><p>Veja <a href=\"https://example.com/o\">a oferta</a>.</p></body></html>"
            ),
            OutgoingMessage(
                from: try MailAddress("ru@example.com", displayName: "Иван Петров"), to: [try MailAddress("c@example.com")],
                subject: "Привет, как дела? Это длинная тема письма на русском языке для проверки кодирования", date: date,
                messageID: "5@example.com", textBody: "Привет!\nЭто текст письма полностью на русском языке.\n"),
            OutgoingMessage(
                from: try MailAddress("eq@example.com"), to: [try MailAddress("d@example.com")], subject: "=?utf-8?q?not_encoded?= literally",
                date: date, messageID: "6@example.com", textBody: "a=b\n" + String(repeating: "x", count: 2000) + "\nend"),
        ]
    }

    @Test func roundTripsExactlyThroughPythonStrictPolicy() throws {
        let messages = try Self.messages()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("carteiro-mime-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for (index, message) in messages.enumerated() {
            let url = directory.appendingPathComponent("\(index).eml")
            try Data(try message.render()).write(to: url)
            paths.append(url.path)
        }
        let script = """
            import sys, json, email
            from email import policy
            for path in sys.argv[1:]:
                msg = email.message_from_bytes(open(path, 'rb').read(), policy=policy.strict)
                def addresses(name):
                    value = msg[name]
                    return [[a.display_name, a.addr_spec] for a in value.addresses] if value is not None else []
                text = msg.get_body(('plain',))
                html = msg.get_body(('html',))
                print(json.dumps({
                    'subject': str(msg['subject']), 'from': addresses('from'), 'to': addresses('to'), 'cc': addresses('cc'),
                    'messageID': str(msg['message-id']), 'date': msg['date'].datetime.timestamp(),
                    'text': text.get_content() if text is not None else None,
                    'html': html.get_content() if html is not None else None,
                    'listUnsubscribe': str(msg['list-unsubscribe']) if msg['list-unsubscribe'] is not None else None,
                }))
            """
        let lines = try Python.run(script, arguments: paths).split(separator: "\n")
        try #require(lines.count == messages.count)
        for (message, line) in zip(messages, lines) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["subject"] as? String == message.subject)
            let from = try #require((object["from"] as? [[String]])?.first)
            #expect(from == [message.from.displayName ?? "", message.from.address])
            #expect((object["to"] as? [[String]]) == message.to.map { [$0.displayName ?? "", $0.address] })
            #expect((object["cc"] as? [[String]]) == message.cc.map { [$0.displayName ?? "", $0.address] })
            #expect(object["messageID"] as? String == "<\(message.messageID)>")
            #expect(object["date"] as? Double == message.date.timeIntervalSince1970)
            let expectedText = message.textBody ?? message.htmlBody.map(HTMLText.readableText(fromHTML:))
            #expect(Self.lf(object["text"] as? String) == Self.lf(expectedText))
            #expect(Self.lf(object["html"] as? String) == Self.lf(message.htmlBody))
            if let unsubscribe = message.headers.first(where: { $0.name == "List-Unsubscribe" }) {
                #expect(object["listUnsubscribe"] as? String == unsubscribe.value)
            }
        }
    }

    private static func lf(_ text: String?) -> String? { text?.replacingOccurrences(of: "\r\n", with: "\n") }

    @Test func roundTripsExactlyThroughOurParser() throws {
        for message in try Self.messages() {
            let parsed = ParsedMessage.parse(try message.render())
            #expect(parsed.subject == message.subject)
            #expect(parsed.from == [message.from])
            #expect(parsed.to == message.to)
            #expect(parsed.cc == message.cc)
            #expect(parsed.messageID == message.messageID)
            #expect(parsed.date == message.date)
            #expect(parsed.textBody == (message.textBody ?? message.htmlBody.map(HTMLText.readableText(fromHTML:))))
            #expect(parsed.htmlBody == message.htmlBody)
            for header in message.headers { #expect(parsed.headers.value(for: header.name) == header.value) }
        }
    }

    @Test func usesOnlyCRLFAndKeepsLinesWithinLimits() throws {
        for message in try Self.messages() {
            let bytes = try message.render()
            for (index, byte) in bytes.enumerated() {
                if byte == 10 { #expect(index > 0 && bytes[index - 1] == 13, "bare LF at \(index)") }
                if byte == 13 { #expect(index + 1 < bytes.count && bytes[index + 1] == 10, "bare CR at \(index)") }
            }
            for line in crlfLines(bytes) {
                #expect(line.count <= 998)
                // Every value above has whitespace (or is encoded), so every line can stay within 78.
                #expect(line.count <= 78, "\(String(decoding: line, as: UTF8.self))")
            }
        }
    }

    @Test func keepsEncodedWordsWithin75CharactersAndWholeCharacters() throws {
        for message in try Self.messages() {
            let text = String(decoding: try message.render(), as: UTF8.self)
            let headerSection = text.components(separatedBy: "\r\n\r\n")[0]
            var searchStart = headerSection.startIndex
            while let open = headerSection.range(of: "=?utf-8?", range: searchStart..<headerSection.endIndex) {
                let close = try #require(
                    headerSection.range(of: "?=", range: headerSection.index(open.upperBound, offsetBy: 2)..<headerSection.endIndex))
                let word = String(headerSection[open.lowerBound..<close.upperBound])
                #expect(word.count <= 75, "\(word)")
                // Each word alone must decode to valid UTF-8: no character split across words.
                let parsed = ParsedMessage.parse(Array("Subject: \(word)\r\n\r\n".utf8))
                #expect(parsed.subject?.contains("\u{FFFD}") == false, "\(word)")
                searchStart = close.upperBound
            }
        }
    }

    @Test func choosesTransferEncodingByContent() throws {
        let messages = try Self.messages()
        func encodings(_ message: OutgoingMessage) throws -> [String] {
            ParsedMessage.parse(try message.render()).allParts.filter { $0.children.isEmpty }.map(\.transferEncoding)
        }
        #expect(try encodings(messages[1]) == ["quoted-printable"])  // Portuguese: mostly ASCII
        #expect(try encodings(messages[2]) == ["7bit"])  // ASCII, short lines
        #expect(try encodings(messages[4]) == ["base64"])  // Cyrillic
        #expect(try encodings(messages[5]) == ["quoted-printable"])  // ASCII with a 2000-character line
    }

    @Test func writesStandardHeadersInOrderThenCustomOnes() throws {
        let text = String(decoding: try Self.messages()[0].render(), as: UTF8.self)
        let names = text.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
            .filter { !$0.hasPrefix(" ") }.compactMap { $0.split(separator: ":").first.map(String.init) }
        #expect(
            names == [
                "From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version", "List-Unsubscribe", "List-Unsubscribe-Post",
                "List-Id", "Auto-Submitted", "Content-Type",
            ])
        #expect(text.contains("\r\nDate: Wed, 24 Dec 2025 16:00:00 +0000\r\n"))
    }

    @Test func keepsAnUnbreakableURLWhole() throws {
        var message = try Self.messages()[2]
        let url = "<https://example.com/unsubscribe/" + String(repeating: "0123456789abcdef", count: 12) + ">"
        message.headers = [("List-Unsubscribe", url)]
        let bytes = try message.render()
        let line = try #require(crlfLines(bytes).first { $0.starts(with: Array("List-Unsubscribe:".utf8)) })
        #expect(String(decoding: line, as: UTF8.self) == "List-Unsubscribe: \(url)")
        #expect(ParsedMessage.parse(bytes).headers.value(for: "list-unsubscribe") == url)
        message.headers = [("List-Unsubscribe", "<https://example.com/" + String(repeating: "x", count: 1000) + ">")]
        let error = try #require(throws: MIMEError.self) { try message.render() }
        #expect(error.code == .lineTooLong)
        #expect(error.field == "List-Unsubscribe")
    }

    @Test func drawsBoundariesThatDifferAndAreAbsentFromContent() throws {
        let message = try Self.messages()[0]
        var boundaries: Set<String> = []
        for _ in 0..<5 {
            let parsed = ParsedMessage.parse(try message.render())
            let boundary = try #require(parsed.root.parameters["boundary"])
            boundaries.insert(boundary)
            #expect(parsed.root.children.count == 2)
            for child in parsed.root.children { #expect(!(child.text ?? "").contains(boundary)) }
        }
        #expect(boundaries.count == 5)
    }

    @Test func derivesTextPartFromHTMLWhenOnlyHTMLIsGiven() throws {
        let parsed = ParsedMessage.parse(try Self.messages()[3].render())
        #expect(parsed.root.contentType == "multipart/alternative")
        let text = try #require(parsed.textBody)
        #expect(text.contains("Oferta"))
        #expect(text.contains("a oferta (https://example.com/o)"))
        #expect(!text.contains("color:red"))
    }
}
