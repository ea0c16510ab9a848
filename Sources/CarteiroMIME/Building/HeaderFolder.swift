/// Writes header fields with CRLF, folding at whitespace so lines stay within 78 characters where
/// the value has whitespace to break at, and refusing anything that would pass 998.
struct HeaderFolder {
    static let preferredLineLength = 78
    static let maximumLineLength = 998

    private(set) var bytes: [UInt8] = []

    /// Writes `name: tokens…` with the tokens separated by single spaces; a fold replaces the
    /// space before a token when the line would otherwise pass 78 characters. Empty tokens (from
    /// runs of spaces) are never put first on a line, so no line is whitespace only.
    mutating func write(_ name: String, tokens: [String]) throws(MIMEError) {
        var line = Array(name.utf8)
        line.append(UInt8(ascii: ":"))
        var column = line.count
        var lineHasToken = false
        for token in tokens {
            let width = token.utf8.count
            if lineHasToken, width > 0, column + 1 + width > Self.preferredLineLength {
                try flush(&line, name: name)
                line.append(32)
                column = 1
            } else {
                line.append(32)
                column += 1
            }
            line.append(contentsOf: token.utf8)
            column += width
            lineHasToken = true
        }
        try flush(&line, name: name)
    }

    private mutating func flush(_ line: inout [UInt8], name: String) throws(MIMEError) {
        if line.count > Self.maximumLineLength {
            throw MIMEError(.lineTooLong, field: name, "\(name) has a word too long to fold within \(Self.maximumLineLength) characters")
        }
        bytes.append(contentsOf: line)
        bytes.append(13)
        bytes.append(10)
        line.removeAll(keepingCapacity: true)
    }

    /// Tokens for an unstructured value (Subject, custom headers): words are kept as they are,
    /// and each run of words that cannot be sent as is (non-ASCII, controls, text that looks like
    /// an encoded word) becomes RFC 2047 encoded words, the spaces inside the run encoded with it.
    /// A word too long for one line is encoded (so it can be split) only when `encodingLongWords`;
    /// structured values such as URLs must stay as they are.
    static func unstructuredTokens(_ value: String, name: String, encodingLongWords: Bool = true) -> [String] {
        let words = value.wordsAtSpaces()
        let prefix = name.utf8.count + 2
        let needs = words.enumerated().map { index, word in
            word.unicodeScalars.contains { !(($0.value >= 32 && $0.value < 127) || $0 == "\t") }
                || EncodedWord.mayContainEncodedWord(String(word))
                || (encodingLongWords && word.utf8.count + (index == 0 ? prefix : 1) > maximumLineLength)
        }
        var tokens: [String] = []
        var index = 0
        while index < words.count {
            guard needs[index] else {
                tokens.append(String(words[index]))
                index += 1
                continue
            }
            // Extend the run over following words that need encoding, and over empty words
            // (runs of spaces) that lead to one.
            var end = index
            var probe = index + 1
            while probe < words.count {
                if needs[probe] {
                    end = probe
                } else if !words[probe].isEmpty {
                    break
                }
                probe += 1
            }
            let run = words[index...end].joined(separator: " ")
            let budget = tokens.isEmpty ? firstWordBudget(for: name) : EncodedWord.maximumLength
            tokens.append(contentsOf: EncodedWord.encode(run, firstBudget: budget))
            index = end + 1
        }
        return tokens
    }

    /// Room for the first encoded word on the `Name: ` line, so it too ends by column 78.
    static func firstWordBudget(for name: String) -> Int {
        min(EncodedWord.maximumLength, preferredLineLength - name.utf8.count - 2)
    }
}
