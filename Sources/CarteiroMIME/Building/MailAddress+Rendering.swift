extension MailAddress {
    /// The header form: `addr`, `Name <addr>`, `"Souza, Ana \"Aninha\"" <addr>` when the name has
    /// specials, or RFC 2047 encoded words when it is not ASCII.
    public var rendered: String { renderedTokens().joined(separator: " ") }

    /// The rendered form as foldable pieces; the first encoded word is at most `firstBudget` long.
    func renderedTokens(firstBudget: Int = EncodedWord.maximumLength) -> [String] {
        let angle = "<\(address)>"
        guard let displayName, !displayName.isEmpty else { return [address] }
        let scalars = displayName.unicodeScalars
        let printableASCII = scalars.allSatisfy { $0.value >= 32 && $0.value < 127 }
        if printableASCII, !EncodedWord.mayContainEncodedWord(displayName) {
            let atoms = displayName.split(separator: " ", omittingEmptySubsequences: false)
            let plain = atoms.allSatisfy { atom in !atom.isEmpty && atom.utf8.allSatisfy(Self.isPhraseAtext) }
            if plain { return atoms.map(String.init) + [angle] }
            var quoted = "\""
            for scalar in scalars {
                if scalar == "\"" || scalar == "\\" { quoted.unicodeScalars.append("\\") }
                quoted.unicodeScalars.append(scalar)
            }
            quoted += "\""
            // Longer quoted strings go out as encoded words, which fold; a quoted string cannot.
            if quoted.utf8.count <= 70 { return [quoted, angle] }
        }
        return EncodedWord.encode(displayName, firstBudget: firstBudget) + [angle]
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
