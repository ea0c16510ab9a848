import CarteiroNLU

/// The words of a text in `TextNormalization`'s form, each with the range of the original text it
/// came from, so a phrase matched on normalised words can be quoted as the customer wrote it.
struct NormalizedWords {
    let words: [String]
    let ranges: [Range<String.Index>]

    init(_ text: String) {
        var words: [String] = []
        var ranges: [Range<String.Index>] = []
        var segmentStart: String.Index?
        func close(at end: String.Index) {
            guard let start = segmentStart else { return }
            segmentStart = nil
            for word in TextNormalization.normalize(String(text[start..<end])).split(separator: " ") {
                words.append(String(word))
                ranges.append(start..<end)
            }
        }
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if Self.isSeparator(text[index]) {
                close(at: index)
            } else if segmentStart == nil {
                segmentStart = index
            }
            index = next
        }
        close(at: text.endIndex)
        self.words = words
        self.ranges = ranges
    }

    /// Whether the normaliser breaks words at `character` (it drops apostrophes inside words).
    private static func isSeparator(_ character: Character) -> Bool {
        if let ascii = character.asciiValue { return asciiSeparators[Int(ascii)] }
        return computedIsSeparator(character)
    }

    private static let asciiSeparators: [Bool] = (0..<128).map { computedIsSeparator(Character(Unicode.Scalar(UInt8($0)))) }

    private static func computedIsSeparator(_ character: Character) -> Bool {
        if character.isLetter || character.isNumber { return false }
        if !TextNormalization.normalize(String(character)).isEmpty { return false }
        return TextNormalization.normalize("a\(character)a").contains(" ")
    }
}
