import CarteiroMIME
import Foundation
import Testing

@Suite struct HeaderInjectionTests {
    static let breaks = ["\r\nBcc: victim@example.com", "\nX-Injected: 1", "\r", "\0"]

    static func message() throws -> OutgoingMessage {
        OutgoingMessage(
            from: try MailAddress("a@example.com", displayName: "Ana"), to: [try MailAddress("b@example.com")], subject: "Hello",
            messageID: "1@example.com", textBody: "Body")
    }

    @Test(arguments: breaks) func refusesLineBreaksInSubject(_ injected: String) throws {
        var message = try Self.message()
        message.subject = "Hello\(injected)"
        let error = try #require(throws: MIMEError.self) { try message.render() }
        #expect(error.code == .forbiddenCharacter)
        #expect(error.field == "Subject")
    }

    @Test(arguments: breaks) func refusesLineBreaksInDisplayName(_ injected: String) throws {
        let error = try #require(throws: MIMEError.self) { try MailAddress("a@example.com", displayName: "Ana\(injected)") }
        #expect(error.code == .forbiddenCharacter)
        #expect(error.field == "displayName")
    }

    @Test(arguments: breaks) func refusesLineBreaksInAddress(_ injected: String) throws {
        let error = try #require(throws: MIMEError.self) { try MailAddress("a\(injected)@example.com") }
        #expect(error.code == .forbiddenCharacter)
        #expect(error.field == "address")
    }

    @Test(arguments: breaks) func refusesLineBreaksInCustomHeaderValue(_ injected: String) throws {
        var message = try Self.message()
        message.headers = [("List-Id", "<list.example.com>\(injected)")]
        let error = try #require(throws: MIMEError.self) { try message.render() }
        #expect(error.code == .forbiddenCharacter)
        #expect(error.field == "List-Id")
    }

    @Test(arguments: breaks + [" ", ":", "Ç", "\t"]) func refusesBadCustomHeaderNames(_ injected: String) throws {
        var message = try Self.message()
        message.headers = [("X-Tag\(injected)", "1")]
        let error = try #require(throws: MIMEError.self) { try message.render() }
        #expect(error.code == .forbiddenCharacter || error.code == .invalidHeaderName)
        #expect(error.field.contains("header name") || error.field == "X-Tag\(injected)")
    }

    @Test func refusesAnEmptyCustomHeaderName() throws {
        var message = try Self.message()
        message.headers = [("", "1")]
        let error = try #require(throws: MIMEError.self) { try message.render() }
        #expect(error.code == .invalidHeaderName)
    }

    @Test(arguments: ["Content-Type", "from", "MIME-Version", "Bcc"]) func refusesCustomHeadersTheRendererOwns(_ name: String) throws {
        var message = try Self.message()
        message.headers = [(name, "x")]
        let error = try #require(throws: MIMEError.self) { try message.render() }
        #expect(error.code == .reservedHeader)
        #expect(error.field == name)
    }

    @Test(arguments: ["<1@example.com>", "1@example.com\r\nBcc: x@y", "no-at-sign", "a b@example.com"])
    func refusesMalformedMessageIDs(_ id: String) throws {
        var message = try Self.message()
        message.messageID = id
        let error = try #require(throws: MIMEError.self) { try message.render() }
        #expect(error.field == "Message-ID")
    }

    @Test func refusesParsedAddressesCarryingLineBreaksWhenRendering() throws {
        // Parsed addresses are not validated; rendering checks them again.
        let parsed = ParsedMessage.parse(Array("To: \"Evil\" <a@example.com>\r\n\r\n".utf8))
        var message = try Self.message()
        let address = try #require(parsed.to.first)
        message.to = [address]
        #expect(throws: Never.self) { try message.render() }
        let bad = try #require(MailAddress.list(parsing: "<x@example.com\u{0}>").first)
        message.to = [bad]
        let error = try #require(throws: MIMEError.self) { try message.render() }
        #expect(error.field == "To")
    }
}
