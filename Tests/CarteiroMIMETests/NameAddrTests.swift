import CarteiroMIME
import Testing

/// Addresses as people write them in configuration and on the command line.
@Suite struct NameAddrTests {
    @Test(arguments: [
        ("ofertas@loja.example", "ofertas@loja.example", nil),
        ("Loja Exemplo <ofertas@loja.example>", "ofertas@loja.example", "Loja Exemplo"),
        ("\"Souza, Ana\" <ana@example.com>", "ana@example.com", "Souza, Ana"),
        ("  José da Silva <jose@example.com> ", "jose@example.com", "José da Silva"),
        ("=?utf-8?q?Jo=C3=A3o?= <joao@example.com>", "joao@example.com", "João"),
        ("<solo@example.com>", "solo@example.com", nil),
    ] as [(String, String, String?)])
    func nameAddrGivesTheAddressAndTheName(_ text: String, _ address: String, _ name: String?) throws {
        let parsed = try MailAddress(parsing: text)
        #expect(parsed.address == address)
        #expect(parsed.displayName == name)
    }

    @Test func anExplicitDisplayNameWinsOverTheWrittenOne() throws {
        #expect(try MailAddress(parsing: "Loja <a@loja.example>", displayName: "Outra").displayName == "Outra")
    }

    @Test(arguments: ["Loja <not an address>", "a@x.example, b@x.example", "Name <>", "\"Ana\" <ana@>"])
    func badNameAddrIsRefused(_ text: String) {
        #expect(throws: MIMEError.self) { try MailAddress(parsing: text) }
    }

    @Test(arguments: [
        ("ana souza@x.example", "a space is not allowed in the local part"),
        ("ana\tsouza@x.example", "a tab is not allowed in the local part"),
        ("ana,bia@x.example", "a comma is not allowed in the local part"),
        ("ana@x_y.example", "'_' is not allowed in the domain"),
        ("ana\u{7F}@x.example", "the control character U+007F is not allowed in the local part"),
    ])
    func anErrorAboutACharacterNamesIt(_ address: String, _ message: String) {
        let error = #expect(throws: MIMEError.self) { try MailAddress(address) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }
}
