import CarteiroMIME
import Foundation
import Testing

@Suite struct ParsingTests {
    static func parse(_ text: String) -> ParsedMessage { ParsedMessage.parse(Array(text.utf8)) }

    @Test(arguments: [
        ("=?UTF-8?B?UHJvbW/Dp8OjbyDwn46E?=", "Promoção 🎄"),
        ("=?iso-8859-1?q?Andr=E9_Gon=E7alves?=", "André Gonçalves"),
        ("=?ISO-8859-15?Q?Pre=E7o_=A4_10?=", "Preço € 10"),
        ("=?windows-1252?Q?=93quoted=94_=96_dash?=", "“quoted” – dash"),
        ("=?us-ascii?Q?plain?=", "plain"),
        ("=?koi8-r?B?8NLJ18XU?=", "Привет"),
        ("=?iso-2022-jp?B?GyRCJUYlOSVIGyhC?=", "テスト"),
        ("=?utf-8?q?a?= =?utf-8?q?b?=\t =?utf-8?q?c?= d", "abc d"),
        ("=?utf-8?b?4oKs?= and =?utf-8?b?4oKs?=", "€ and €"),
        // One character split across two words (a common sender bug) still decodes.
        ("=?utf-8?b?ww==?= =?utf-8?b?qQ==?=", "é"),
        ("=?utf-8*pt?q?ol=C3=A1?=", "olá"),
        ("=?bogus-charset?q?abc?=", "abc"),
        ("not =? an encoded word", "not =? an encoded word"),
    ])
    func decodesEncodedWordsInAnyCharset(_ raw: String, _ expected: String) {
        #expect(Self.parse("Subject: \(raw)\r\n\r\n").subject == expected)
    }

    @Test func unfoldsHeadersAndLooksThemUpIgnoringCase() {
        let message = Self.parse("X-Long: one\r\n  two\r\n\tthree\r\nx-long: second\r\nSubject: s\r\n\r\nbody")
        #expect(message.headers.value(for: "X-LONG") == "one  two\tthree")
        #expect(message.headers.values(for: "x-long") == ["one  two\tthree", "second"])
        #expect(message.headers.map(\.name) == ["X-Long", "x-long", "Subject"])
        #expect(message.textBody == "body")
    }

    @Test func readsBareLFMessagesLikeCRLFOnes() {
        let crlf = "Subject: t\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\nthere\r\n--b--\r\n"
        let lf = crlf.replacingOccurrences(of: "\r\n", with: "\n")
        #expect(Self.parse(crlf).textBody == "hi\nthere")
        #expect(Self.parse(lf).textBody == "hi\nthere")
        #expect(Self.parse(lf).root.children.count == 1)
    }

    @Test func decodesBase64TolerantOfWhitespaceAndMissingPadding() {
        let message = Self.parse("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: BASE64\n\nT2zDoSwg\n bXVu\r\nZG8h\n")
        #expect(message.textBody == "Olá, mundo!")
        let unpadded = Self.parse("Content-Transfer-Encoding: base64\n\naGk")
        #expect(unpadded.root.body == Array("hi".utf8))
    }

    @Test func decodesQuotedPrintableSoftBreaksAndLowercaseHex() {
        let message = Self.parse(
            "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nCaf=e9 com p=E3o =\nquente=20\nfim = ok=\r\n"
        )
        #expect(message.textBody == "Café com pão quente \nfim = ok")
    }

    @Test func walksNestedMultipartsAndEmbeddedMessages() throws {
        let inner = "From: a@x.com\r\nSubject: =?utf-8?q?Ol=C3=A1?=\r\nMessage-ID: <orig@x.com>\r\n\r\nOriginal body\r\n"
        let text = """
            Content-Type: multipart/mixed; boundary="outer"\r
            \r
            preamble\r
            --outer\r
            Content-Type: multipart/alternative; boundary="outer-inner"\r
            \r
            --outer-inner\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            plain\r
            --outer-inner\r
            Content-Type: text/html; charset=utf-8\r
            \r
            <p>html &amp; more</p>\r
            --outer-inner--\r
            --outer\r
            Content-Type: message/rfc822\r
            \r
            \(inner)\r
            --outer\r
            Content-Type: application/pdf; name="=?utf-8?q?relat=C3=B3rio.pdf?="\r
            Content-Disposition: attachment; filename*=utf-8''relat%C3%B3rio%20final.pdf\r
            Content-Transfer-Encoding: base64\r
            \r
            JVBERg==\r
            --outer--\r
            epilogue
            """
        let message = Self.parse(text)
        #expect(message.root.children.map(\.contentType) == ["multipart/alternative", "message/rfc822", "application/pdf"])
        #expect(message.textBody == "plain")
        #expect(message.htmlBody == "<p>html &amp; more</p>")
        let embedded = try #require(message.root.children[1].message)
        #expect(embedded.subject == "Olá")
        #expect(embedded.messageID == "orig@x.com")
        #expect(message.attachedHeaders?.rawValue(for: "message-id") == "<orig@x.com>")
        let pdf = message.root.children[2]
        #expect(pdf.filename == "relatório final.pdf")
        #expect(pdf.isAttachment)
        #expect(pdf.body == Array("%PDF".utf8))
    }

    @Test func survivesMissingAndUnterminatedBoundaries() {
        let missing = Self.parse("Content-Type: multipart/mixed; boundary=nope\n\njust text\n")
        #expect(missing.root.children.isEmpty)
        #expect(missing.textBody == "just text\n")
        let unterminated = Self.parse("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nfirst\n--b\n\nsecond, cut off")
        #expect(unterminated.root.children.compactMap(\.text) == ["first", "second, cut off"])
        let noParameter = Self.parse("Content-Type: multipart/mixed\n\n--b\n\nbody\n")
        #expect(noParameter.root.children.isEmpty)
    }

    @Test func doesNotTakeALongerBoundaryForTheOuterOne() {
        let message = Self.parse(
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; boundary=b2\n\n--b2\n\ninner\n--b2--\n--b--\n")
        #expect(message.root.children.count == 1)
        #expect(message.root.children.first?.children.first?.text == "inner")
    }

    @Test(arguments: [
        ("Mon, 2 Apr 2012 20:21:52 +0400", 1_333_383_712.0),
        ("2 Apr 2012 16:21:52 GMT", 1_333_383_712.0),
        ("Mon, 02 Apr 12 12:21:52 PDT", 1_333_394_512.0),
        ("Mon Apr  2 16:21:52 2012", 1_333_383_712.0),
        ("Mon, 2 Apr 2012 16:21:52 +0000 (UTC)", 1_333_383_712.0),
        ("Mon, 2 Apr 2012 16:21 -0000", 1_333_383_660.0),
    ])
    func parsesDatesLeniently(_ raw: String, _ epoch: Double) {
        #expect(Self.parse("Date: \(raw)\n\n").date == Date(timeIntervalSince1970: epoch))
    }

    @Test func readsMessageIDsAndReferences() {
        let message = Self.parse("Message-ID: <a@b>\nIn-Reply-To: <c@d> (comment)\nReferences: <e@f>\n <g@h>\t<c@d>\n\n")
        #expect(message.messageID == "a@b")
        #expect(message.inReplyTo == "c@d")
        #expect(message.references == ["e@f", "g@h", "c@d"])
    }

    @Test func convertsTextPartsInEachCharsetAndReplacesInvalidBytes() {
        func body(_ charset: String, _ bytes: [UInt8]) -> String? {
            ParsedMessage.parse(Array("Content-Type: text/plain; charset=\"\(charset)\"\n\n".utf8) + bytes).textBody
        }
        #expect(body("ISO-8859-1", [0x63, 0x61, 0x66, 0xE9]) == "café")
        #expect(body("iso-8859-15", [0xA4]) == "€")
        #expect(body("windows-1252", [0x93, 0x68, 0x94]) == "“h”")
        #expect(body("Shift_JIS", [0x82, 0xA0]) == "あ")
        #expect(body("utf-8", [0x61, 0xFF, 0x62]) == "a\u{FFFD}b")
        #expect(body("gb2312", [0xC4, 0xE3, 0xBA, 0xC3]) == "你好")
        #expect(body("euc-jp", [0xA4, 0xA2, 0xFF]) == "あ\u{FFFD}")
        #expect(body("us-ascii", [0xC3, 0xA9]) == "é")  // mislabeled UTF-8
        #expect(body("x-unknown-charset", [0xE9]) == "é")
    }

    @Test func readsDeliveryStatusFields() throws {
        let text = """
            Content-Type: multipart/report; report-type=delivery-status; boundary="r"\n\n--r\n\nYour message could not be delivered.\n--r
            Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\nArrival-Date: Mon, 2 Apr 2012 16:21:52 +0000\n
            Final-Recipient: rfc822; <Bob@Example.org>\nAction: failed\nStatus: 5.1.1 (user unknown)\nRemote-MTA: dns; mx.example.org
            Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: Recipient address\n rejected\n
            Original-Recipient: rfc822;carol@example.net\nFinal-Recipient: RFC822; carol@example.net\nAction: delayed\nStatus: 4.4.7
            --r\nContent-Type: text/rfc822-headers\n\nMessage-ID: <job-7@send.example.com>\nSubject: hi\n--r--\n
            """
        let message = Self.parse(text)
        let status = try #require(message.deliveryStatus)
        #expect(status.reportingMTA == "mx.example.com")
        #expect(status.arrivalDate == Date(timeIntervalSince1970: 1_333_383_712))
        #expect(status.recipients.map(\.recipient) == ["Bob@Example.org", "carol@example.net"])
        #expect(status.recipients.map(\.status) == ["5.1.1", "4.4.7"])
        #expect(status.recipients.map(\.action) == ["failed", "delayed"])
        #expect(status.recipients[0].diagnosticCode == "550 5.1.1 <bob@example.org>: Recipient address rejected")
        #expect(status.recipients[0].diagnosticType == "smtp")
        #expect(status.recipients[0].remoteMTA == "mx.example.org")
        #expect(status.recipients[1].originalRecipient == "carol@example.net")
        #expect(ParsedMessage.parse(Array("Message-ID: x".utf8)).deliveryStatus == nil)
        #expect(message.attachedHeaders.flatMap { $0.rawValue(for: "Message-ID") } == "<job-7@send.example.com>")
        #expect(message.textBody == "Your message could not be delivered.")
    }

    @Test func acceptsEmptyAndHeaderOnlyInput() {
        #expect(ParsedMessage.parse([]).headers.isEmpty)
        #expect(ParsedMessage.parse([]).textBody == "")
        #expect(Self.parse("Subject: only").subject == "only")
        #expect(Self.parse("\r\n\r\nbody only").textBody == "\r\nbody only".replacingOccurrences(of: "\r\n", with: "\n"))
    }
}
