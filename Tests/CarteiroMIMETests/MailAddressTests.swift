import CarteiroMIME
import Testing

@Suite struct MailAddressTests {
    @Test(arguments: [
        "user@example.com", "first.last+tag@sub.example.co.uk", "\"john doe\"@example.com", "\"a\\\"b\"@example.com", "user@[192.0.2.1]",
        "josé@exemplo.com.br", "用户@例子.广告", "x@localhost", "o'neil@example.ie",
    ])
    func acceptsValidAddresses(_ address: String) throws {
        let parsed = try MailAddress(address)
        #expect(parsed.address == address)
    }

    @Test(arguments: [
        "", "plainaddress", "@example.com", "user@", "a..b@example.com", ".a@example.com", "a.@example.com", "a b@example.com",
        "user@-example.com", "user@example-.com", "user@exa_mple.com", "user@example..com", "a@b@c.com", "\"unterminated@example.com",
        "user@example.com>", String(repeating: "a", count: 65) + "@example.com",
    ])
    func rejectsInvalidAddressesNamingThem(_ address: String) throws {
        let error = try #require(throws: MIMEError.self) { try MailAddress(address) }
        #expect(error.code == .invalidAddress)
        #expect(error.field == "address")
        #expect(error.message.contains(address.debugDescription))
    }

    @Test func rendersDisplayNamesQuotedEncodedOrPlain() throws {
        #expect(try MailAddress("a@x.com").rendered == "a@x.com")
        #expect(try MailAddress("a@x.com", displayName: "Ana Souza").rendered == "Ana Souza <a@x.com>")
        #expect(try MailAddress("a@x.com", displayName: #"Souza, Ana "Aninha""#).rendered == #""Souza, Ana \"Aninha\"" <a@x.com>"#)
        #expect(try MailAddress("a@x.com", displayName: "Ana S. (Ops)").rendered == #""Ana S. (Ops)" <a@x.com>"#)
        let encoded = try MailAddress("a@x.com", displayName: "José Ñúñez").rendered
        #expect(encoded.hasPrefix("=?utf-8?"))
        #expect(encoded.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(MailAddress.list(parsing: encoded) == [try MailAddress("a@x.com", displayName: "José Ñúñez")])
    }

    @Test func parsesRealWorldAddressListsLeniently() throws {
        let list = MailAddress.list(
            parsing:
                #""Doe, John" <john@example.com>, jane@example.com (Jane Roe), =?iso-8859-1?q?Andr=E9?= <andre@example.fr>, undisclosed-recipients:;, <bare@example.org>, Team: a@x.com, b@x.com;"#
        )
        #expect(list.map(\.address) == ["john@example.com", "jane@example.com", "andre@example.fr", "bare@example.org", "a@x.com", "b@x.com"])
        #expect(list.map(\.displayName) == ["Doe, John", "Jane Roe", "André", nil, nil, nil])
    }
}
