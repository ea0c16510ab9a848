import CarteiroMail
import Testing

@Suite struct RecipientCSVTests {
    @Test func quotedFieldsMayHoldCommasQuotesAndLineBreaks() throws {
        let list = try RecipientCSV.parse("email,name,endereco\r\nana@example.com,\"Souza, Ana \"\"Aninha\"\"\",\"Rua A, 1\nApto 2\"\r\nrui@example.com,Rui,\n")
        #expect(list.rows.count == 2)
        #expect(list.rows[0].name == "Souza, Ana \"Aninha\"")
        #expect(list.rows[0].variables["endereco"] == "Rua A, 1\nApto 2")
        #expect(list.rows[1].line == 4, "line numbers count the line break inside the quoted field")
    }

    @Test func rowWithTheWrongNumberOfFieldsIsReportedWithItsLine() {
        let error = #expect(throws: RecipientListError.self) {
            try RecipientCSV.parse("email,name\nana@example.com,Ana\nrui@example.com,Rui,extra\n")
        }
        #expect(error?.line == 3)
    }

    @Test func invalidAddressIsReportedWithItsLine() {
        let error = #expect(throws: RecipientListError.self) { try RecipientCSV.parse("name,email\nAna,ana@example.com\nRui,rui@@example\n") }
        #expect(error?.line == 3)
        #expect(error?.message.contains("rui@@example") == true)
    }

    @Test func headerWithoutEmailColumnIsRefused() {
        let error = #expect(throws: RecipientListError.self) { try RecipientCSV.parse("name,mail\nAna,ana@example.com\n") }
        #expect(error?.line == 1)
    }

    @Test func unterminatedQuoteIsRefused() {
        #expect(throws: RecipientListError.self) { try RecipientCSV.parse("email,name\nana@example.com,\"Ana\n") }
    }
}
