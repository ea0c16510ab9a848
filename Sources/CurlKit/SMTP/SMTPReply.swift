/// One SMTP reply split into code, enhanced status and text.
struct SMTPReply {
    var code: Int?
    var enhancedStatus: String?
    var text: String

    init(_ reply: String) {
        var code: Int?
        var enhanced: String?
        var texts: [Substring] = []
        for line in reply.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            var rest = line[...]
            let digits = rest.prefix(3)
            if digits.count == 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                rest.count == 3 || rest.dropFirst(3).first == " " || rest.dropFirst(3).first == "-"
            {
                code = code ?? Int(digits)
                rest = rest.dropFirst(4)
            }
            let firstWord = rest.prefix { $0 != " " }
            if Self.isEnhancedStatus(firstWord) {
                enhanced = enhanced ?? String(firstWord)
                rest = rest.dropFirst(firstWord.count).drop { $0 == " " }
            }
            if !rest.isEmpty { texts.append(rest) }
        }
        self.code = code
        enhancedStatus = enhanced
        text = texts.joined(separator: " ")
    }

    /// class.subject.detail with class 2, 4 or 5 (RFC 3463).
    private static func isEnhancedStatus(_ word: Substring) -> Bool {
        let parts = word.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let first = parts[0].first, parts[0].count == 1, "245".contains(first) else { return false }
        return parts.dropFirst().allSatisfy { (1...3).contains($0.count) && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }
}
