extension MailAddress {
    /// The header form: `addr`, `Name <addr>`, `"Souza, Ana \"Aninha\"" <addr>` when the name has
    /// specials, or RFC 2047 encoded words when it is not ASCII.
    public var rendered: String { renderedTokens().joined(separator: " ") }

    /// The rendered form as foldable pieces; the first encoded word is at most `firstBudget` long.
    func renderedTokens(firstBudget: Int = EncodedWord.maximumLength) -> [String] {
        let angle = "<\(address)>"
        guard let displayName, !displayName.isEmpty else { return [address] }
        let scalars = displayName.unicodeScalars
        let words = displayName.wordsAtSpaces()
        if scalars.allSatisfy({ $0.value >= 32 && $0.value < 127 }), !EncodedWord.mayContainEncodedWord(displayName) {
            if words.allSatisfy({ word in !word.isEmpty && word.utf8.allSatisfy(Self.isPhraseAtext) }) { return words.map(String.init) + [angle] }
            var quoted = "\""
            for scalar in scalars {
                if scalar == "\"" || scalar == "\\" { quoted.unicodeScalars.append("\\") }
                quoted.unicodeScalars.append(scalar)
            }
            quoted += "\""
            // Folding whitespace may sit inside a quoted string, so it can break at its spaces.
            return quoted.wordsAtSpaces().map(String.init) + [angle]
        }
        // Plain words stay atoms; each run of words that are not (non-ASCII, specials) becomes
        // encoded words with its inner spaces. Spacing that atoms would lose (leading, trailing,
        // doubled) is kept by encoding the whole name.
        let needs = words.map { word in word.isEmpty || !word.utf8.allSatisfy(Self.isPhraseAtext) }
        if words.contains(where: \.isEmpty) {
            return EncodedWord.encode(displayName, firstBudget: firstBudget) + [angle]
        }
        var tokens: [String] = []
        var index = 0
        while index < words.count {
            guard needs[index] else {
                tokens.append(String(words[index]))
                index += 1
                continue
            }
            var end = index
            while end + 1 < words.count, needs[end + 1] { end += 1 }
            let run = words[index...end].joined(separator: " ")
            tokens.append(contentsOf: EncodedWord.encode(run, firstBudget: tokens.isEmpty ? firstBudget : EncodedWord.maximumLength))
            index = end + 1
        }
        return tokens + [angle]
    }

    private static func isPhraseAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "?"),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// Validates again, naming `field` (`From`, `To`): addresses parsed from received mail are not
    /// validated, and one may be reused when building a reply.
    func checkSafe(field: String) throws(MIMEError) {
        do {
            _ = try MailAddress(address, displayName: displayName)
        } catch {
            throw MIMEError(error.code, field: error.field == "address" ? field : "\(field) \(error.field)", error.message)
        }
    }
}
