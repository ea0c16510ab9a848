import Testing

@testable import CarteiroMIME

@Suite struct HeaderWordsTests {
    @Test func wordsAreTheSpaceSeparatedPiecesSplitGives() {
        for text in [
            "", " ", "Oi User 12, seu plano Fibra 3", "  two  spaces  ", "trailing ", " leading", "tab\tinside", "crlf\r\n here",
            "não ASCII e\u{301} ok", "space then combining  \u{301}mark", "emoji 👩‍👩‍👧 family",
        ] {
            #expect(text.wordsAtSpaces() == text.split(separator: " ", omittingEmptySubsequences: false), "\(text.debugDescription)")
        }
    }
}
