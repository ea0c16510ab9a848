extension StringProtocol where SubSequence == Substring {
    /// `split(separator: " ", omittingEmptySubsequences: false)`, without grapheme breaking when
    /// the text is ASCII (where every byte is a character, so the result is the same): headers
    /// are split into words for every message sent.
    func wordsAtSpaces() -> [Substring] {
        let utf8 = self.utf8
        guard utf8.allSatisfy({ $0 < 0x80 }) else { return split(separator: " ", omittingEmptySubsequences: false) }
        var words: [Substring] = []
        var start = utf8.startIndex
        var index = start
        while index != utf8.endIndex {
            if utf8[index] == UInt8(ascii: " ") {
                words.append(self[start..<index])
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        words.append(self[start..<utf8.endIndex])
        return words
    }
}
