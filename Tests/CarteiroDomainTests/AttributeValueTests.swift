import CarteiroDomain
import Foundation
import Testing

@Suite struct AttributeValueTests {
    @Test func attributesStoredAsPlainStringsStillDecode() throws {
        let decoded = try JSONDecoder().decode(
            [String: AttributeValue].self, from: Data(#"{"plan": "Fibra", "age": 31, "vip": false, "since": {"date": "2024-02-29"}}"#.utf8))
        #expect(decoded == ["plan": .string("Fibra"), "age": .number(31), "vip": .boolean(false), "since": .date("2024-02-29")])
    }

    @Test func csvTextWritesWholeNumbersWithoutAFraction() throws {
        #expect(AttributeValue.number(31).csvText == "31")
        #expect(AttributeValue.number(0.5).csvText == "0.5")
        #expect(try AttributeValue(csvText: "31", as: .number, field: "age") == .number(31))
        #expect(throws: ValidationError.self) { try AttributeValue(csvText: "nan", as: .number, field: "age") }
        #expect(throws: ValidationError.self) { try AttributeValue(csvText: "2023-02-29", as: .date, field: "d") }
        #expect(try AttributeValue(csvText: "2024-02-29", as: .date, field: "d") == .date("2024-02-29"))
        #expect(try AttributeValue(csvText: "TRUE", as: .boolean, field: "b") == .boolean(true))
    }

    @Test func erasureIsFinalAndKeepsOnlyTheHash() throws {
        var contact = try Contact(
            email: try EmailAddress("Ana@Example.com"), name: "Ana", tags: ["x"], attributes: ["a": .string("b")], createdAt: Date())
        try contact.erase(at: Date())
        #expect(contact.status == .erased)
        #expect(contact.status.isSuppressed)
        #expect(contact.name == nil && contact.tags.isEmpty && contact.attributes.isEmpty)
        #expect(contact.erasedAddressHash == "8e43ca37701228e74983efdbd0cff5c16b3b1e5d4e29a7c05626d4d25a018e11", "SHA-256 of the lower-cased address")
        #expect(throws: TransitionError.self) { try contact.erase(at: Date()) }
    }
}
