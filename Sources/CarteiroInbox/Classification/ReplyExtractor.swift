/// Finds, in a reply's text, what the person typed: the quoted original (an attribution line such
/// as "On … wrote:" or "Em … escreveu:" with its `>` lines, Outlook's "From:/Sent:/To:" or
/// "De:/Enviado:/Para:" block, "-----Original Message-----" / "-----Mensagem original-----")
/// is left out, and so are the device footers and the signature below the typed text.
public enum ReplyExtractor {
    /// The text above (and, for bottom-posted replies, below) the quoted original, as typed:
    /// signature and "Sent from my iPhone" footers included. Leading and trailing blank lines removed.
    public static func typedText(in body: String) -> String {
        let lines = normalizedLines(body)
        var kept: [Substring] = []
        var index = 0
        scan: while index < lines.count {
            let line = lines[index]
            if startsOriginalMessage(lines, at: index) { break scan }
            if let attributionEnd = attributionEnd(lines, at: index) {
                // An attribution followed by `>` lines quotes only those: text after them is a
                // bottom-posted or interleaved reply. One followed by plain text (an HTML reply turned
                // into text loses its blockquote marks) quotes everything below it.
                var next = attributionEnd
                while next < lines.count, isBlank(lines[next]) { next += 1 }
                guard next < lines.count, isQuoted(lines[next]) else { break scan }
                while next < lines.count, isQuoted(lines[next]) || isBlank(lines[next]) { next += 1 }
                index = next
                continue
            }
            if isQuoted(line) {
                index += 1
                continue
            }
            kept.append(line)
            index += 1
        }
        return trimmedBlankLines(kept[...]).joined(separator: "\n")
    }

    /// The typed text without what a mail program or a habit adds below it: the `-- ` signature
    /// and footers such as "Sent from my iPhone" / "Enviado do meu iPhone" / "Get Outlook for iOS".
    public static func replyText(in body: String) -> String {
        var lines = trimmedBlankLines(normalizedLines(typedText(in: body))[...])
        if let signature = lines.firstIndex(where: { $0 == "-- " || $0 == "--" || $0 == "—" }) {
            lines.removeSubrange(signature...)
        }
        while let last = lines.last, isBlank(last) || isFooter(last) { lines.removeLast() }
        return trimmedBlankLines(lines[...]).joined(separator: "\n")
    }

    // MARK: Lines

    static func normalizedLines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    }

    private static func trimmedBlankLines(_ lines: ArraySlice<Substring>) -> [Substring] {
        var slice = lines
        while let first = slice.first, isBlank(first) { slice.removeFirst() }
        while let last = slice.last, isBlank(last) { slice.removeLast() }
        return Array(slice)
    }

    static func isBlank(_ line: Substring) -> Bool { line.allSatisfy(\.isWhitespace) }

    private static func isQuoted(_ line: Substring) -> Bool { line.drop(while: { $0 == " " }).first == ">" }

    // MARK: The original message

    /// Markers after which everything is the original: "-----Original Message-----",
    /// "-----Mensagem original-----", "-------- Mensagem encaminhada --------", and an Outlook
    /// header block ("From:" then "Sent:"/"Date:"/"To:"/"Subject:" in the next lines, in English or Portuguese).
    private static func startsOriginalMessage(_ lines: [Substring], at index: Int) -> Bool {
        let folded = TextFolding.fold(lines[index]).trimmingWhitespace()
        let markers = [
            "original message", "mensagem original", "mensaje original", "message d'origine", "forwarded message", "mensagem encaminhada",
        ]
        if folded.hasPrefix("--") || folded.hasPrefix("__") || folded.hasPrefix("==") {
            let inner = folded.trimmingCharacters(in: "-_= ")
            if markers.contains(inner) { return true }
            // Outlook's rule line above its header block.
            if inner.isEmpty, folded.count >= 20, index + 1 < lines.count, headerBlockStarts(lines, at: index + 1) { return true }
        }
        return headerBlockStarts(lines, at: index)
    }

    private static let fromLabels = ["from:", "de:", "von:"]
    private static let blockLabels = [
        "sent:", "enviado:", "enviada:", "date:", "data:", "to:", "para:", "subject:", "assunto:", "cc:", "gesendet:", "an:",
    ]

    private static func headerBlockStarts(_ lines: [Substring], at index: Int) -> Bool {
        let first = TextFolding.fold(lines[index]).trimmingWhitespace().replacingStars()
        guard fromLabels.contains(where: { first.hasPrefix($0) }) else { return false }
        var labels = 0
        for next in lines[(index + 1)..<min(lines.count, index + 6)] {
            let folded = TextFolding.fold(next).trimmingWhitespace().replacingStars()
            if blockLabels.contains(where: { folded.hasPrefix($0) }) { labels += 1 }
        }
        return labels >= 2
    }

    // MARK: Attribution lines

    private static let attributionVerbs = [
        "wrote:", "escreveu:", "a ecrit :", "a ecrit:", "escribio:", "schrieb:", "scrisse:", "написал:", "napisal:", "kirjoitti:", "skrev:",
    ]
    private static let attributionOpenings = ["on ", "em ", "le ", "el ", "am ", "op ", "il ", "no dia "]

    /// The index after an attribution that starts at `index` (one to three lines, as clients
    /// wrap it), or nil: a line ending in a known verb ("wrote:", "escreveu:") that starts with
    /// "On"/"Em"/… or holds a date or an address, or any line ending in ':' directly followed by `>` lines.
    private static func attributionEnd(_ lines: [Substring], at index: Int) -> Int? {
        guard !isQuoted(lines[index]), !isBlank(lines[index]) else { return nil }
        var joined = ""
        let first = TextFolding.fold(lines[index]).trimmingWhitespace()
        // A wrapped attribution opens like one ("On …", "Em …") or holds its date or address on
        // its first line: "Hello" above a one-line attribution is typed text, not part of it.
        let opensAttribution = attributionOpenings.contains { first.hasPrefix($0) } || first.contains("@") || first.contains(where: \.isNumber)
        for end in index..<min(lines.count, index + 3) {
            if end > index, !opensAttribution { break }
            if end > index, isBlank(lines[end]) || isQuoted(lines[end]) { break }
            joined += (end > index ? " " : "") + TextFolding.fold(lines[end]).trimmingWhitespace()
            guard joined.hasSuffix(":") else { continue }
            if attributionVerbs.contains(where: { joined.hasSuffix($0) }),
                attributionOpenings.contains(where: { joined.hasPrefix($0) }) || joined.contains("@") || joined.contains(where: \.isNumber)
            {
                return end + 1
            }
            var next = end + 1
            while next < lines.count, isBlank(lines[next]) { next += 1 }
            if end == index, next < lines.count, isQuoted(lines[next]), joined.count > 12 { return end + 1 }
        }
        return nil
    }

    // MARK: Footers

    private static let footerOpenings = [
        "sent from my ", "sent from ", "sent with ", "sent via ", "enviado do meu ", "enviado de meu ", "enviado do ", "enviado de ", "enviado via ",
        "enviado pelo ", "enviada do meu ", "get outlook for ", "obter o outlook para ", "baixe o outlook para ", "envoye de mon ",
        "enviado desde mi ",
    ]

    private static func isFooter(_ line: Substring) -> Bool {
        let folded = TextFolding.fold(line).trimmingWhitespace()
        return folded.count <= 80 && footerOpenings.contains { folded.hasPrefix($0) }
    }
}

extension String {
    fileprivate func replacingStars() -> String {
        contains("*") ? String(filter { $0 != "*" }) : self
    }

    fileprivate func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        return String(drop(while: characters.contains).reversed().drop(while: characters.contains).reversed())
    }
}
