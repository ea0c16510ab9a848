import CarteiroDomain
import Testing

@Suite struct EmailAddressTests {
    @Test(arguments: [
        "ana@example.com", "ana.souza+promo@mail.example.com.br", "\"ana souza\"@example.com", "joão@exemplo.com.br",
        "user@bücher.de", "o'brien@example.ie", "x@[192.0.2.1]",
    ])
    func acceptsValidAddresses(_ raw: String) throws {
        #expect(try EmailAddress(raw).value == raw)
    }

    @Test(arguments: [
        "", "plain", "@example.com", "ana@", "ana@@example.com", "ana..souza@example.com", ".ana@example.com", "ana@example",
        "ana@-example.com", "ana@exam_ple.com", "ana souza@example.com", "ana@example..com", "ana\n@example.com",
    ])
    func refusesInvalidAddressesNamingTheField(_ raw: String) {
        let error = #expect(throws: ValidationError.self) { try EmailAddress(raw, field: "to") }
        #expect(error?.field == "to")
    }

    @Test func canonicalFormIgnoresCase() throws {
        #expect(try EmailAddress("Ana.Souza@Example.COM").canonical == "ana.souza@example.com")
        #expect(try EmailAddress("Ana@Example.com").domain == "Example.com")
    }

    @Test func refusesLocalPartOver64Octets() {
        #expect(throws: ValidationError.self) { try EmailAddress(String(repeating: "a", count: 65) + "@example.com") }
    }
}
