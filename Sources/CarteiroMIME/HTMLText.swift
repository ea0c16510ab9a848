/// Readable plain text from HTML: for deriving the text part of an HTML-only message and for reading
/// HTML-only replies.
public enum HTMLText {
    /// Strips tags, scripts and styles; decodes entities; turns `<br>`, `<p>`, `<div>`, `<li>`,
    /// headings and table rows into line breaks; keeps links as `text (url)`; collapses whitespace.
    public static func readableText(fromHTML html: String) -> String {
        var converter = HTMLTextConverter(Array(html.utf8))
        return converter.run()
    }
}

private struct HTMLTextConverter {
    private let input: [UInt8]
    private var index = 0
    private var output: [UInt8] = []
    private var pendingSpace = false
    private var pendingBreaks = 0
    private var preformatted = 0
    private var links: [(href: String, start: Int)] = []

    init(_ input: [UInt8]) {
        self.input = input
        output.reserveCapacity(input.count / 2)
    }

    mutating func run() -> String {
        let count = input.count
        while index < count {
            let byte = input[index]
            if byte == UInt8(ascii: "<") {
                handleMarkup()
            } else if byte == UInt8(ascii: "&") {
                decodeEntity()
            } else if byte == 32 || byte == 9 || byte == 10 || byte == 13 || byte == 12 {
                if preformatted > 0 {
                    if byte == 10 { emitLiteral([10]) } else if byte != 13 { emitLiteral([byte]) }
                } else {
                    pendingSpace = true
                }
                index += 1
            } else {
                emit(byte)
                index += 1
            }
        }
        return Self.tidy(output)
    }

    // MARK: Output

    private mutating func flushPending() {
        if pendingBreaks > 0 {
            if !output.isEmpty {
                for _ in 0..<min(pendingBreaks, 2) { output.append(10) }
            }
            pendingBreaks = 0
            pendingSpace = false
        } else if pendingSpace {
            if let last = output.last, last != 10 { output.append(32) }
            pendingSpace = false
        }
    }

    private mutating func emit(_ byte: UInt8) {
        flushPending()
        output.append(byte)
    }

    private mutating func emit(scalar: UInt32) {
        if scalar == 0xA0 {
            pendingSpace = true
            return
        }
        flushPending()
        Charset.appendUTF8(scalar, to: &output)
    }

    private mutating func emitLiteral(_ bytes: [UInt8]) {
        pendingSpace = false
        if pendingBreaks > 0 { flushPending() }
        output.append(contentsOf: bytes)
    }

    private mutating func lineBreak(_ count: Int) {
        pendingSpace = false
        pendingBreaks = max(pendingBreaks, count)
    }

    // MARK: Markup

    private static func lowercase(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    private func hasPrefix(_ text: String, at position: Int) -> Bool {
        var probe = position
        for expected in text.utf8 {
            guard probe < input.count, Self.lowercase(input[probe]) == expected else { return false }
            probe += 1
        }
        return true
    }

    private func find(_ text: String, from position: Int) -> Int? {
        var probe = position
        let first = text.utf8.first!
        while probe < input.count {
            if Self.lowercase(input[probe]) == first, hasPrefix(text, at: probe) { return probe }
            probe += 1
        }
        return nil
    }

    private mutating func handleMarkup() {
        let count = input.count
        let start = index
        if hasPrefix("<!--", at: start) {
            index = find("-->", from: start + 4).map { $0 + 3 } ?? count
            return
        }
        guard start + 1 < count else {
            emit(input[start])
            index += 1
            return
        }
        let next = input[start + 1]
        let isLetter = (next | 0x20) >= UInt8(ascii: "a") && (next | 0x20) <= UInt8(ascii: "z")
        guard isLetter || next == UInt8(ascii: "/") || next == UInt8(ascii: "!") || next == UInt8(ascii: "?") else {
            emit(input[start])
            index += 1
            return
        }
        // Find the closing ">" outside quoted attribute values.
        var probe = start + 1
        var quote: UInt8 = 0
        while probe < count {
            let byte = input[probe]
            if quote != 0 {
                if byte == quote { quote = 0 }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                break
            }
            probe += 1
        }
        let end = min(probe, count)
        index = min(end + 1, count)
        let closing = next == UInt8(ascii: "/")
        var nameStart = start + 1 + (closing ? 1 : 0)
        if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") { return }
        var name: [UInt8] = []
        while nameStart < end, name.count < 16 {
            let byte = Self.lowercase(input[nameStart])
            guard (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) else { break }
            name.append(byte)
            nameStart += 1
        }
        let tag = String(decoding: name, as: UTF8.self)
        handleTag(tag, closing: closing, attributes: nameStart..<end)
    }

    private mutating func handleTag(_ tag: String, closing: Bool, attributes: Range<Int>) {
        switch tag {
        case "script", "style", "title", "head", "noscript", "template":
            if !closing {
                // Raw text: skip to the matching end tag.
                index = find("</\(tag)", from: index).flatMap { found in find(">", from: found).map { $0 + 1 } } ?? input.count
            }
        case "br":
            pendingSpace = false
            pendingBreaks = min(pendingBreaks + 1, 2)
        case "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "table", "dl":
            lineBreak(2)
        case "div", "tr", "section", "article", "header", "footer", "nav", "aside", "main", "form", "fieldset", "address", "dt",
            "dd", "caption", "center", "figure", "figcaption", "tbody", "thead", "tfoot", "body", "html":
            lineBreak(1)
        case "hr":
            lineBreak(1)
            if !closing {
                emitLiteral(Array("---".utf8))
                lineBreak(1)
            }
        case "li":
            lineBreak(1)
            if !closing { emitLiteral(Array("- ".utf8)) }
        case "td", "th":
            if !closing, let last = output.last, last != 10, pendingBreaks == 0 { pendingSpace = true }
            if closing { pendingSpace = true }
        case "pre":
            lineBreak(1)
            preformatted = max(0, preformatted + (closing ? -1 : 1))
        case "a":
            if closing {
                closeLink()
            } else {
                let href = attribute("href", in: attributes)?.trimmingASCIIWhitespace() ?? ""
                flushPendingSpaceOnly()
                links.append((href, output.count))
            }
        case "img":
            if !closing, let alt = attribute("alt", in: attributes)?.trimmingASCIIWhitespace(), !alt.isEmpty {
                for byte in alt.utf8 { emit(byte) }
            }
        default:
            break
        }
    }

    private mutating func flushPendingSpaceOnly() {
        if pendingBreaks > 0 || pendingSpace { flushPending() }
    }

    private mutating func closeLink() {
        guard let link = links.popLast() else { return }
        let href = link.href
        guard !href.isEmpty, !href.hasPrefix("#"), !href.lowercased().hasPrefix("javascript:") else { return }
        let start = min(link.start, output.count)
        let text = String(decoding: output[start...], as: UTF8.self).trimmingASCIIWhitespace()
        let bare = href.lowercased().hasPrefix("mailto:") ? String(href.dropFirst(7)) : href
        if text == href || text == bare || text.isEmpty && bare.isEmpty { return }
        if text.isEmpty {
            for byte in bare.utf8 { emit(byte) }
            return
        }
        for byte in " (\(bare))".utf8 { output.append(byte) }
    }

    /// The decoded value of attribute `name` in the tag's attribute text.
    private func attribute(_ name: String, in range: Range<Int>) -> String? {
        var probe = range.lowerBound
        let end = range.upperBound
        while probe < end {
            while probe < end,
                input[probe] == 32 || input[probe] == 9 || input[probe] == 10 || input[probe] == 13 || input[probe] == UInt8(ascii: "/")
            {
                probe += 1
            }
            let nameStart = probe
            while probe < end, input[probe] != UInt8(ascii: "="), input[probe] > 32, input[probe] != UInt8(ascii: ">") { probe += 1 }
            let attributeName = String(decoding: input[nameStart..<probe].map(Self.lowercase), as: UTF8.self)
            while probe < end, input[probe] == 32 || input[probe] == 9 || input[probe] == 10 || input[probe] == 13 { probe += 1 }
            guard probe < end, input[probe] == UInt8(ascii: "=") else {
                if probe == nameStart { probe += 1 }
                continue
            }
            probe += 1
            while probe < end, input[probe] == 32 || input[probe] == 9 || input[probe] == 10 || input[probe] == 13 { probe += 1 }
            var valueStart = probe
            var valueEnd: Int
            if probe < end, input[probe] == UInt8(ascii: "\"") || input[probe] == UInt8(ascii: "'") {
                let quote = input[probe]
                valueStart = probe + 1
                valueEnd = valueStart
                while valueEnd < end, input[valueEnd] != quote { valueEnd += 1 }
                probe = min(valueEnd + 1, end)
            } else {
                valueEnd = probe
                while valueEnd < end, input[valueEnd] > 32 { valueEnd += 1 }
                probe = valueEnd
            }
            if attributeName == name {
                return Self.decodeEntities(Array(input[valueStart..<valueEnd]))
            }
        }
        return nil
    }

    // MARK: Entities

    private mutating func decodeEntity() {
        if let (scalar, length) = Self.entity(in: input, at: index) {
            emit(scalar: scalar)
            index += length
        } else {
            emit(input[index])
            index += 1
        }
    }

    private static func decodeEntities(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "&"), let (scalar, length) = entity(in: bytes, at: index) {
                Charset.appendUTF8(scalar, to: &output)
                index += length
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The scalar an entity at `position` (which holds "&") stands for, and its length.
    private static func entity(in bytes: [UInt8], at position: Int) -> (UInt32, Int)? {
        var probe = position + 1
        let count = bytes.count
        guard probe < count else { return nil }
        if bytes[probe] == UInt8(ascii: "#") {
            probe += 1
            let hex = probe < count && (bytes[probe] | 0x20) == UInt8(ascii: "x")
            if hex { probe += 1 }
            var value: UInt32 = 0
            let digitsStart = probe
            while probe < count, probe - digitsStart < 8 {
                let byte = bytes[probe]
                if let digit = hex ? QuotedPrintable.hexValue(byte) : (byte >= 48 && byte <= 57 ? byte - 48 : nil) {
                    value = value * (hex ? 16 : 10) + UInt32(digit)
                    probe += 1
                } else {
                    break
                }
            }
            guard probe > digitsStart else { return nil }
            if probe < count, bytes[probe] == UInt8(ascii: ";") { probe += 1 }
            // Numeric references to C1 controls mean windows-1252 in practice (HTML5 does the same).
            if value >= 0x80, value < 0xA0 {
                value = UInt32(Charset.decode([UInt8(value)], charset: "windows-1252").unicodeScalars.first?.value ?? 0xFFFD)
            }
            if value == 0 || value > 0x10FFFF || (0xD800..<0xE000).contains(value) { value = 0xFFFD }
            return (value, probe - position)
        }
        let nameStart = probe
        while probe < count, probe - nameStart < 10,
            (bytes[probe] | 0x20) >= UInt8(ascii: "a") && (bytes[probe] | 0x20) <= UInt8(ascii: "z") || (bytes[probe] >= 48 && bytes[probe] <= 57)
        {
            probe += 1
        }
        guard probe > nameStart else { return nil }
        let name = String(decoding: bytes[nameStart..<probe], as: UTF8.self)
        guard let scalar = namedEntities[name] ?? namedEntities[name.lowercased()].flatMap({ name.lowercased() == name ? nil : $0 }) else {
            return nil
        }
        if probe < count, bytes[probe] == UInt8(ascii: ";") { probe += 1 }
        return (scalar, probe - position)
    }

    private static let namedEntities: [String: UInt32] = {
        var table: [String: UInt32] = [
            "amp": 38, "lt": 60, "gt": 62, "quot": 34, "apos": 39, "nbsp": 0xA0, "ensp": 0x2002, "emsp": 0x2003, "thinsp": 0x2009,
            "zwnj": 0x200C, "zwj": 0x200D, "lrm": 0x200E, "rlm": 0x200F, "ndash": 0x2013, "mdash": 0x2014, "lsquo": 0x2018,
            "rsquo": 0x2019, "sbquo": 0x201A, "ldquo": 0x201C, "rdquo": 0x201D, "bdquo": 0x201E, "dagger": 0x2020, "Dagger": 0x2021,
            "bull": 0x2022, "hellip": 0x2026, "permil": 0x2030, "prime": 0x2032, "lsaquo": 0x2039, "rsaquo": 0x203A, "euro": 0x20AC,
            "trade": 0x2122, "larr": 0x2190, "rarr": 0x2192, "uarr": 0x2191, "darr": 0x2193, "hearts": 0x2665, "check": 0x2713,
            "OElig": 0x152, "oelig": 0x153, "Scaron": 0x160, "scaron": 0x161, "Yuml": 0x178, "fnof": 0x192, "circ": 0x2C6,
            "tilde": 0x2DC, "minus": 0x2212, "infin": 0x221E, "ne": 0x2260, "le": 0x2264, "ge": 0x2265, "star": 0x2606,
        ]
        // HTML 4's Latin-1 names, U+00A0 to U+00FF in order.
        let latin1 = """
            nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para \
            middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute \
            Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml \
            Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml \
            eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml
            """
        for (offset, name) in latin1.split(separator: " ").enumerated() { table[String(name)] = 0xA0 + UInt32(offset) }
        return table
    }()

    // MARK: Tidying

    /// Trims spaces at line ends and the text's ends, and keeps at most one blank line in a row.
    private static func tidy(_ bytes: [UInt8]) -> String {
        var lines: [ArraySlice<UInt8>] = []
        var blank = 0
        for line in bytes.split(separator: 10, omittingEmptySubsequences: false) {
            var trimmed = line
            while let last = trimmed.last, last == 32 || last == 9 { trimmed.removeLast() }
            if trimmed.isEmpty {
                blank += 1
                if blank > 1 || lines.isEmpty { continue }
            } else {
                blank = 0
            }
            lines.append(trimmed)
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        return String(decoding: Array(lines.joined(separator: [10])), as: UTF8.self)
    }
}
