import CarteiroNLU
import Testing

@Suite struct TextNormalizationTests {
    @Test func stripsPortugueseAccents() {
        #expect(TextNormalization.normalize("não") == "nao")
        #expect(TextNormalization.normalize("conexão") == "conexao")
        #expect(TextNormalization.normalize("ação àquela pôr você ü ñ ç") == "acao aquela por voce u n c")
    }

    @Test func foldsCase() {
        #expect(TextNormalization.normalize("Minha INTERNET Caiu") == "minha internet caiu")
        #expect(TextNormalization.normalize("CONEXÃO") == "conexao")
    }

    @Test func turnsPunctuationIntoWordBreaks() {
        #expect(TextNormalization.normalize("Olá!!! Tudo bem?") == "ola tudo bem")
        #expect(TextNormalization.normalize("e-mail/senha,ok.") == "e mail senha ok")
        #expect(TextNormalization.normalize("R$ 99,90 (pago)") == "r 99 90 pago")
    }

    @Test func collapsesWhitespaceAndTrimsEnds() {
        #expect(TextNormalization.normalize("  sem \t\n  sinal   ") == "sem sinal")
        #expect(TextNormalization.normalize(" ?! ") == "")
    }

    @Test func joinsWordsAcrossApostrophes() {
        #expect(TextNormalization.normalize("I don't know") == "i dont know")
        #expect(TextNormalization.normalize("card’s PIN") == "cards pin")
    }

    @Test func stripsDecomposedAccentsToo() {
        #expect(TextNormalization.normalize("na\u{0303}o") == "nao")
    }

    @Test func keepsLettersOfOtherScripts() {
        #expect(TextNormalization.normalize("Привет, МИР") == "привет мир")
        #expect(TextNormalization.normalize("东京 ＡＢＣ") == "东京 abc")
        #expect(TextNormalization.normalize("Straße") == "strasse")
    }
}
