/// `value; name=token; name="quoted"` as in Content-Type and Content-Disposition (RFC 2045 §5.1),
/// with RFC 2231 continuations and charsets (`name*0*=utf-8''a%20b`) and, for filenames sent
/// against the rules, RFC 2047 words inside quotes.
struct HeaderParameters: Sendable {
    /// The value before the first `;`, lowercased and trimmed (`text/plain`, `attachment`).
    let value: String
    /// Parameter values by lowercased name.
    let parameters: [String: String]

    init(parsing raw: String) {
        let bytes = Array(raw.utf8)
        let count = bytes.count
        var index = 0
        while index < count, bytes[index] != UInt8(ascii: ";") { index += 1 }
        var main = bytes[0..<index]
        // A comment after the type ("text/plain (generated)") is dropped.
        if let paren = main.firstIndex(of: UInt8(ascii: "(")) { main = main[..<paren] }
        value = String(decoding: main, as: UTF8.self).trimmingASCIIWhitespace().asciiLowercased()

        var simple: [String: String] = [:]
        // RFC 2231 sections: name -> [(section, extended, text)]
        var sections: [String: [(Int, Bool, String)]] = [:]
        while index < count {
            index += 1  // past ";"
            while index < count, bytes[index] == 32 || bytes[index] == 9 || bytes[index] == 13 || bytes[index] == 10 { index += 1 }
            let nameStart = index
            while index < count, bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: ";") { index += 1 }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).trimmingASCIIWhitespace().asciiLowercased()
            guard index < count, bytes[index] == UInt8(ascii: "=") else { continue }
            index += 1
            while index < count, bytes[index] == 32 || bytes[index] == 9 { index += 1 }
            var text: [UInt8] = []
            if index < count, bytes[index] == UInt8(ascii: "\"") {
                index += 1
                while index < count, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\"), index + 1 < count {
                        index += 1
                    }
                    text.append(bytes[index])
                    index += 1
                }
                while index < count, bytes[index] != UInt8(ascii: ";") { index += 1 }
            } else {
                let valueStart = index
                while index < count, bytes[index] != UInt8(ascii: ";") { index += 1 }
                text = Array(String(decoding: bytes[valueStart..<index], as: UTF8.self).trimmingASCIIWhitespace().utf8)
            }
            guard !name.isEmpty else { continue }
            let string = String(decoding: text, as: UTF8.self)
            if let star = name.firstIndex(of: "*") {
                let base = String(name[..<star])
                let rest = name[name.index(after: star)...]
                if rest.isEmpty {
                    sections[base, default: []].append((0, true, string))
                } else {
                    let extended = rest.hasSuffix("*")
                    let number = Int(extended ? rest.dropLast() : rest) ?? 0
                    sections[base, default: []].append((number, extended, string))
                }
            } else if simple[name] == nil {
                simple[name] = string
            }
        }
        for (name, parts) in sections {
            let ordered = parts.sorted { $0.0 < $1.0 }
            var charset: String?
            var bytes: [UInt8] = []
            for (offset, part) in ordered.enumerated() {
                var text = Substring(part.2)
                if part.1 {
                    if offset == 0 {
                        // charset'language'value
                        let pieces = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                        if pieces.count == 3 {
                            charset = String(pieces[0])
                            text = pieces[2]
                        }
                    }
                    bytes.append(contentsOf: Self.percentDecode(text))
                } else {
                    bytes.append(contentsOf: text.utf8)
                }
            }
            simple[name] = Charset.decode(bytes, charset: charset?.isEmpty == false ? charset : "utf-8")
        }
        parameters = simple
    }

    private static func percentDecode(_ text: Substring) -> [UInt8] {
        let input = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
                let high = QuotedPrintable.hexValue(input[index + 1]), let low = QuotedPrintable.hexValue(input[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(input[index])
                index += 1
            }
        }
        return output
    }
}
