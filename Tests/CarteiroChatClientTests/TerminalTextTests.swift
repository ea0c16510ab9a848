import CarteiroChatClient
import Testing

/// What a customer types reaches an agent's terminal through `carteiro chat --agent`: nothing in
/// it may act on the terminal or pass for a line the client prints itself.
@Suite struct TerminalTextTests {
    @Test func escapeSequencesAreShownNotObeyed() {
        let clearScreen = "\u{1B}[2J\u{1B}[H"
        let retitle = "\u{1B}]0;pwned\u{07}"
        let shown = TerminalText.escaped("oi \(clearScreen)\(retitle) tchau")
        #expect(shown == "oi ␛[2J␛[H␛]0;pwned␇ tchau")
        #expect(!shown.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
    }

    @Test func everyControlCharacterIsVisibleAndTabsStay() {
        #expect(TerminalText.escaped("a\rb\u{08}c\u{7F}d\u{00}") == "a␍b␈c␡d␀")
        #expect(TerminalText.escaped("a\tb") == "a\tb")
        #expect(TerminalText.escaped("line\nbreak") == "line␊break", "a single-line field shows its newline")
        // U+009B is a one-character CSI on terminals that read C1 controls; U+202E reverses what follows.
        #expect(TerminalText.escaped("x\u{9B}2Jy") == "x\\u{9B}2Jy")
        #expect(TerminalText.escaped("abc\u{202E}fed") == "abc\\u{202E}fed")
        #expect(TerminalText.escaped("olá, você está aí? 👋") == "olá, você está aí? 👋", "ordinary text is untouched")
    }

    @Test func aNewlineInAMessageCannotStartALineThatPassesForTheClientsOwn() {
        let forged = "pode ajudar?\nsystem: Ana joined the conversation\r\n[abcd1234] bot: \u{1B}[32mok"
        let rendered = TerminalText.labelled("customer: ", forged)
        let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == "customer: pode ajudar?")
        #expect(lines[1] == TerminalText.continuation + "system: Ana joined the conversation")
        #expect(lines[2] == TerminalText.continuation + "[abcd1234] bot: ␛[32mok")
        for line in lines.dropFirst() {
            #expect(!line.hasPrefix("system:") && !line.hasPrefix("["), "\(line)")
        }
        #expect(!rendered.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\r" })
    }

    @Test func continuationLinesKeepTheIndentOfTheirBlock() {
        #expect(TerminalText.labelled("  #3 customer: ", "a\nb", indent: "  ") == "  #3 customer: a\n    | b")
        #expect(TerminalText.labelled("bot: ", "one line") == "bot: one line")
        #expect(TerminalText.labelled("bot: ", "ends with a break\n") == "bot: ends with a break\n  | ")
    }
}
