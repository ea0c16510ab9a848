import CarteiroDelivery
import CarteiroDomain
import Testing

@Suite struct RelayDefinitionTests {
    @Test func poolSettingsComeFromTheQueryAndStayOutOfTheName() throws {
        let definition = try RelayDefinition.parse("smtp://user:secret@mx1.example.net:587?connections=8&weight=3&rate=50&streams=transactional")
        #expect(definition.configuration.name == "smtp://user:***@mx1.example.net:587?connections=8")
        #expect(definition.configuration.weight == 3)
        #expect(definition.configuration.maxMessagesPerSecond == 50)
        #expect(definition.configuration.streams == [.transactional])
        #expect(try RelayDefinition.parse("smtp://mx2.example.net?name=backup").configuration.name == "backup")
        #expect(try RelayDefinition.parse("smtp://mx2.example.net").configuration.streams == Set(MailStream.allCases))
    }

    @Test(arguments: [
        ("smtp://mx.example.net?weight=x", "weight"), ("smtp://mx.example.net?rate=0", "rate"),
        ("smtp://mx.example.net?streams=promo", "streams"), ("ftp://mx.example.net", "smtp://"),
    ])
    func badSettingsAreRefusedWithTheirName(url: String, mentioned: String) {
        #expect(throws: (any Error).self) { try RelayDefinition.parse(url) }
        do {
            _ = try RelayDefinition.parse(url)
        } catch {
            #expect("\(error)".contains(mentioned), "\(error)")
        }
    }

    @Test func aRelaysFileSkipsCommentsAndNamesTheBadLine() throws {
        let relays = try RelayDefinition.parseFile("# primary\nsmtp://a.example.net:25  # main\n\nsmtp://b.example.net:25?weight=2\n")
        #expect(relays.map(\.configuration.name) == ["smtp://a.example.net:25", "smtp://b.example.net:25"])
        #expect(throws: RelayFileError(line: 2, message: "relay 'smtp://a.example.net:25' is listed twice")) {
            try RelayDefinition.parseFile("smtp://a.example.net:25\nsmtp://a.example.net:25?weight=4\n")
        }
    }

    @Test func domainLimitsParseAndRefuseNonsense() throws {
        let limits = try DomainLimits.parse(["Gmail.com:600:4", "example.org:-:2"])
        #expect(limits.limit(for: "gmail.com") == DomainLimit(messagesPerMinute: 600, maxParallel: 4))
        #expect(limits.limit(for: "EXAMPLE.org") == DomainLimit(messagesPerMinute: nil, maxParallel: 2))
        #expect(limits.limit(for: "other.net") == nil)
        for bad in ["gmail.com", "gmail.com:0", "gmail.com:-", "gmail.com:-:-", "a@b.com:5", "gmail.com:5:x"] {
            #expect(throws: DomainLimitError.self) { try DomainLimits.parse([bad]) }
        }
    }
}
