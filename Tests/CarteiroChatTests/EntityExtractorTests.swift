import CarteiroChat
import Testing

/// Entities of support.yml found in pt-BR and English messages, as the customer wrote them.
@Suite struct EntityExtractorTests {
    let extractor = SupportBot.bot.extractor

    private func values(_ text: String, locale: String = "pt-BR", entity: String) -> [String] {
        extractor.extract(from: text, locale: locale).filter { $0.entity == entity }.map(\.value)
    }

    @Test func findsAnEmailAddressAsWritten() {
        let matches = extractor.extract(from: "meu email é Maria.Souza@exemplo.com.br, obrigada", locale: "pt-BR").filter { $0.entity == "email" }
        #expect(matches == [EntityMatch(entity: "email", value: "Maria.Souza@exemplo.com.br", text: "Maria.Souza@exemplo.com.br")])
    }

    @Test func findsACPFWithAndWithoutPunctuation() {
        #expect(values("meu CPF é 123.456.789-09", entity: "cpf") == ["123.456.789-09"])
        #expect(values("cpf 12345678909 por favor", entity: "cpf") == ["12345678909"])
    }

    @Test func findsBrazilianPhoneNumbers() {
        #expect(values("pode ligar no (11) 98765-4321", entity: "phone").first?.contains("98765-4321") == true)
        #expect(values("my number is +55 21 99876 5432", locale: "en", entity: "phone").first?.hasSuffix("99876 5432") == true)
    }

    @Test func findsDates() {
        #expect(values("o técnico pode vir em 15/03?", entity: "date") == ["15/03"])
        #expect(values("on 2025-07-01 please", locale: "en", entity: "date") == ["2025-07-01"])
    }

    @Test func valueListsIgnoreAccentsAndCase() {
        #expect(values("PELA MANHA, por favor", entity: "period") == ["morning"])
        #expect(values("à noite é melhor", entity: "period") == ["evening"])
    }

    @Test func theLongestSynonymWinsAndIsQuotedAsWritten() {
        let matches = extractor.extract(from: "pode ser de Tarde", locale: "pt-BR")
        #expect(matches == [EntityMatch(entity: "period", value: "afternoon", text: "de Tarde")])
        #expect(
            extractor.extract(from: "I want fiber 1 giga", locale: "en") == [EntityMatch(entity: "plan", value: "fibra_1g", text: "fiber 1 giga")])
    }

    @Test func synonymsMatchWholeWordsOnly() {
        // "cedo" (morning) inside "concedo" and "tarde" inside "retardeu" are not periods.
        #expect(values("eu concedo, retardeu", entity: "period").isEmpty)
    }

    @Test func englishSynonymsAreFoundInEnglish() {
        #expect(values("in the afternoon if possible", locale: "en", entity: "period") == ["afternoon"])
        #expect(values("can I get 600 Mbps?", locale: "en", entity: "plan") == ["fibra_600"])
    }

    @Test func entitiesComeInTheOrderTheyAppear() {
        let matches = extractor.extract(from: "plano 300 de manhã, email a@b.com", locale: "pt-BR")
        #expect(matches.map(\.entity) == ["plan", "period", "email"])
    }

    @Test func labelsAreTheLocalesFirstSynonym() throws {
        let period = try #require(SupportBot.bot.definition.entities["period"])
        #expect(period.label(of: "afternoon", locale: "pt-BR") == "tarde")
        #expect(period.label(of: "afternoon", locale: "en") == "afternoon")
    }
}
