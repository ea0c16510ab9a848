/// One complete server response line as IMAP defines it: the text of the line, with each literal
/// (`{n}` followed by n raw bytes, which may hold CRLFs, parentheses, braces) kept apart, so a
/// message body can never be read as protocol. In `text` a literal stays as its `{n}` marker and
/// is found again in `literals` by position.
struct IMAPResponse: Sendable {
    var text: [UInt8] = []
    var literals: [[UInt8]] = []

    var string: String { String(decoding: text, as: UTF8.self) }

    var isUntagged: Bool { text.count >= 2 && text[0] == 0x2A && text[1] == 0x20 }
    var isContinuation: Bool { text.first == 0x2B }

    /// The tokens of the line: atoms (`BODY[]`, `\Seen`, numbers), quoted strings, parentheses and
    /// literals, so that nothing inside a quoted string or literal is taken for structure.
    func tokens() -> [IMAPToken] {
        var tokens: [IMAPToken] = []
        var index = 0
        var literalIndex = 0
        while index < text.count {
            let byte = text[index]
            switch byte {
            case 0x20:
                index += 1
            case 0x28:
                tokens.append(.open)
                index += 1
            case 0x29:
                tokens.append(.close)
                index += 1
            case 0x22:
                var value: [UInt8] = []
                index += 1
                while index < text.count, text[index] != 0x22 {
                    if text[index] == 0x5C, index + 1 < text.count { index += 1 }
                    value.append(text[index])
                    index += 1
                }
                index += 1
                tokens.append(.string(value))
            case 0x7B where Self.literalMarkerEnd(in: text, from: index) != nil:
                index = Self.literalMarkerEnd(in: text, from: index)!
                tokens.append(.string(literalIndex < literals.count ? literals[literalIndex] : []))
                literalIndex += 1
            default:
                let start = index
                // An atom runs to a space or parenthesis; `[` … `]` (BODY[HEADER.FIELDS (A B)]) is one atom.
                var bracketDepth = 0
                while index < text.count {
                    let current = text[index]
                    if current == 0x5B { bracketDepth += 1 }
                    if current == 0x5D { bracketDepth = max(0, bracketDepth - 1) }
                    if bracketDepth == 0, current == 0x20 || current == 0x28 || current == 0x29 { break }
                    index += 1
                }
                tokens.append(.atom(String(decoding: text[start..<index], as: UTF8.self)))
            }
        }
        return tokens
    }

    /// For `{123}` or `{123+}` starting at `start`, the index just after the `}`.
    static func literalMarkerEnd(in text: [UInt8], from start: Int) -> Int? {
        var index = start + 1
        var digits = 0
        while index < text.count, text[index] >= 0x30, text[index] <= 0x39 {
            index += 1
            digits += 1
        }
        guard digits > 0 else { return nil }
        if index < text.count, text[index] == 0x2B { index += 1 }
        guard index < text.count, text[index] == 0x7D else { return nil }
        return index + 1
    }

    /// The size announced by a `{n}` / `{n+}` marker that ends `line`, if it ends with one.
    static func literalSize<Line: BidirectionalCollection<UInt8>>(atEndOf line: Line) -> Int? {
        guard line.last == 0x7D, let open = line.lastIndex(of: 0x7B) else { return nil }
        var digits = line[line.index(after: open)..<line.index(before: line.endIndex)]
        if digits.last == 0x2B { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// The response code in brackets after a status word: `* OK [UIDVALIDITY 3857529045] UIDs valid`
    /// gives `("UIDVALIDITY", "3857529045")`; `A1 NO [TRYCREATE] …` gives `("TRYCREATE", "")`.
    var responseCode: (name: String, argument: String)? {
        guard let open = text.firstIndex(of: 0x5B), let close = text[open...].firstIndex(of: 0x5D) else { return nil }
        // Only the code that directly follows the status word (OK, NO, BAD, BYE, PREAUTH).
        let before = text[..<open].split(separator: 0x20)
        guard let last = before.last, ["OK", "NO", "BAD", "BYE", "PREAUTH"].contains(String(decoding: last, as: UTF8.self).uppercased())
        else { return nil }
        let inside = String(decoding: text[(open + 1)..<close], as: UTF8.self)
        guard let space = inside.firstIndex(of: " ") else { return (inside.uppercased(), "") }
        return (inside[..<space].uppercased(), String(inside[inside.index(after: space)...]))
    }
}
