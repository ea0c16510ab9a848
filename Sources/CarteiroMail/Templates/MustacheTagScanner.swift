import Foundation

/// Finds the variables a mustache template refers to, with their positions, so that unknown
/// ones are refused when the template is saved.
enum MustacheTagScanner {
    static func checkVariables(in source: String, part: String, known: Set<String>) throws(TemplateError) {
        var found = Set<String>()
        try scanVariables(in: source, part: part, known: known, found: &found)
    }

    /// The top-level variable names `source` uses (`attributes.x` included), after the same syntax
    /// checks; none is refused.
    static func variables(in source: String, part: String) throws(TemplateError) -> Set<String> {
        var found = Set<String>()
        try scanVariables(in: source, part: part, known: nil, found: &found)
        return found
    }

    /// Scans every tag; a top-level name not in `known` (when given) is refused, and every one is
    /// added to `found`.
    private static func scanVariables(in source: String, part: String, known: Set<String>?, found: inout Set<String>) throws(TemplateError) {
        var sectionDepth = 0
        let characters = Array(source.unicodeScalars)
        var index = 0
        var line = 1
        var column = 1
        func advance() {
            if characters[index] == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += 1
        }
        while index < characters.count {
            guard characters[index] == "{", index + 1 < characters.count, characters[index + 1] == "{" else {
                advance()
                continue
            }
            let tagLine = line
            let tagColumn = column
            advance()
            advance()
            var tag = String.UnicodeScalarView()
            while index < characters.count, !(characters[index] == "}" && index + 1 < characters.count && characters[index + 1] == "}") {
                tag.append(characters[index])
                advance()
            }
            guard index < characters.count else {
                throw TemplateError(part: part, line: tagLine, column: tagColumn, message: "tag '{{' is never closed")
            }
            advance()
            advance()
            if index < characters.count, characters[index] == "}" { advance() }
            var name = String(tag).trimmingCharacters(in: [" "])
            guard let sigil = name.unicodeScalars.first else {
                throw TemplateError(part: part, line: tagLine, column: tagColumn, message: "empty tag")
            }
            switch sigil {
            case "!", "%", ">", "<", "$", "=":
                // Comments, pragmas and partials name no variable. A delimiter change would hide
                // the rest from this scan, so it is refused.
                if sigil == "=" {
                    throw TemplateError(part: part, line: tagLine, column: tagColumn, message: "changing delimiters is not supported")
                }
                continue
            case "#", "^":
                sectionDepth += 1
                name.removeFirst()
            case "/":
                sectionDepth = max(0, sectionDepth - 1)
                continue
            case "{", "&":
                name.removeFirst()
            default:
                break
            }
            name = name.trimmingCharacters(in: [" "])
            // Inside a section, names may refer to the section's own value; only top-level names are checked.
            guard sectionDepth == 0 || sigil == "#" || sigil == "^", !name.isEmpty, name != "." else { continue }
            if sectionDepth > 1 && (sigil == "#" || sigil == "^") { continue }
            found.insert(name)
            guard let known else { continue }
            if known.contains(name) || name.hasPrefix("attributes.") || name == "attributes" { continue }
            throw TemplateError(
                part: part, line: tagLine, column: tagColumn,
                message: "unknown variable '\(name)' (known: \(known.sorted().joined(separator: ", ")), attributes.NAME)")
        }
    }
}

extension MustacheTagScanner {
    /// A piece of a part, for mustache to read on its own.
    struct Piece {
        var text: String
        /// The line of the part the piece starts on, and the column (in Unicode scalars).
        var firstLine: Int
        var firstColumn = 1
        /// The line where the piece's longest top-level section opens, and its length in bytes.
        var longestSection: (line: Int, bytes: Int)?
    }

    /// A part cut into pieces that mustache reads one by one exactly as it reads the whole, so
    /// that reading a long part costs what its pieces cost. swift-mustache 2.1 measures the rest
    /// of the text (a walk to its end) at every `{` and every tag, so reading a part whole takes
    /// time in the square of its length: 16,000 tags took 15 s.
    ///
    /// Every piece but the first is read after a tag that prints nothing (see `MailTemplate`),
    /// as the rest of a line that already started, and a cut is made, once a piece has `target`
    /// bytes, only where that changes nothing: outside any section and any tag, not right after
    /// a lone `{`, and either
    /// - on a line that already holds literal text or a variable, before anything but the end
    ///   of the line: no tag there could stand alone on its line (mustache drops such a line,
    ///   and counts the end of the text as an end of line), on either side of the cut; or
    /// - at the start of a line that starts with literal text: no tag on it stands alone either.
    ///
    /// Nil when the part uses tags whose effect crosses lines or pieces (pragmas, delimiter
    /// changes, inheritance blocks): such a part is read whole.
    static func pieces(of source: String, target: Int = 8192) -> [Piece]? {
        let bytes = Array(source.utf8)
        let open = UInt8(ascii: "{")
        let close = UInt8(ascii: "}")
        let newline = UInt8(ascii: "\n")
        func isBlank(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 }
        func isSpace(_ byte: UInt8) -> Bool { isBlank(byte) || byte == newline || byte == 13 }
        /// Whether only blanks lie between `index` and the end of its line (or of the text).
        func lineEnds(at index: Int) -> Bool {
            var cursor = index
            while cursor < bytes.count, isBlank(bytes[cursor]) { cursor += 1 }
            return cursor == bytes.count || bytes[cursor] == newline || bytes[cursor] == 13
        }
        var pieces: [Piece] = []
        var piece = Piece(text: "", firstLine: 1)
        var pieceStart = 0
        var line = 1
        var depth = 0
        var sectionStart: (line: Int, byte: Int)?
        var lineHasText = false
        var lineStart = 0
        var index = 0
        func noteSection(endingAt end: Int) {
            guard let start = sectionStart else { return }
            let length = end - max(start.byte, pieceStart)
            if length > piece.longestSection?.bytes ?? 0 { piece.longestSection = (start.line, length) }
        }
        while index < bytes.count {
            let byte = bytes[index]
            let startsTag = byte == open && index + 1 < bytes.count && bytes[index + 1] == open
            // Only before an ASCII byte: never inside a character's UTF-8 bytes.
            if depth == 0, index - pieceStart >= target, index > 0, byte < 0x80, bytes[index - 1] != open, startsTag || byte != open {
                let atLineStart = bytes[index - 1] == newline
                if atLineStart ? !startsTag && !isSpace(byte) : lineHasText && !lineEnds(at: index) {
                    piece.text = String(decoding: bytes[pieceStart..<index], as: UTF8.self)
                    pieces.append(piece)
                    // A scalar starts at every byte but UTF-8's continuation bytes (10xxxxxx).
                    let column = bytes[lineStart..<index].reduce(1) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
                    piece = Piece(text: "", firstLine: line, firstColumn: column)
                    pieceStart = index
                }
            }
            guard startsTag else {
                if byte == newline {
                    line += 1
                    lineStart = index + 1
                    lineHasText = false
                } else if !isSpace(byte) {
                    lineHasText = true
                }
                index += 1
                continue
            }
            // A tag: from `{{` to `}}` (and a third `}` after a triple mustache).
            let tagLine = line
            var end = index + 2
            while end + 1 < bytes.count, !(bytes[end] == close && bytes[end + 1] == close) {
                if bytes[end] == newline {
                    line += 1
                    lineStart = end + 1
                    // What follows a comment across lines starts a line of its own to mustache
                    // only if the comment stood alone; be safe and cut no further on that line.
                    lineHasText = false
                }
                end += 1
            }
            // An unclosed tag is mustache's to report: the rest is read whole.
            guard end + 1 < bytes.count else { break }
            // As mustache reads it: the sigil comes right after `{{`.
            let sigil = bytes[index + 2]
            switch sigil {
            case UInt8(ascii: "#"), UInt8(ascii: "^"):
                if depth == 0 { sectionStart = (tagLine, index) }
                depth += 1
            case UInt8(ascii: "/"):
                depth = max(0, depth - 1)
                if depth == 0 {
                    noteSection(endingAt: end + 2)
                    sectionStart = nil
                }
            case UInt8(ascii: "%"), UInt8(ascii: "="), UInt8(ascii: "<"), UInt8(ascii: "$"): return nil
            case UInt8(ascii: "!"), UInt8(ascii: ">"): break
            default:
                // A variable: content, like literal text, for the tags after it on its line.
                lineHasText = true
            }
            index = end + 2
            if sigil == open, index < bytes.count, bytes[index] == close { index += 1 }
        }
        noteSection(endingAt: bytes.count)
        piece.text = String(decoding: bytes[pieceStart...], as: UTF8.self)
        pieces.append(piece)
        return pieces
    }
}
