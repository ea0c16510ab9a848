extension MailAddress {
    /// The mailboxes in an address-list header value (raw, not yet RFC 2047-decoded), read the
    /// way real mail writes them: display names quoted or not and encoded or not, `addr (Name)`
    /// comments, groups (`undisclosed-recipients:;`), stray whitespace. Nothing is validated;
    /// entries without an address are skipped.
    public static func list(parsing value: String) -> [MailAddress] {
        let bytes = Array(value.utf8)
        let count = bytes.count
        var result: [MailAddress] = []
        var words: [String] = []
        var word: [UInt8] = []
        var raw: [UInt8] = []
        var angle: String?
        var comment: String?
        var index = 0

        func endWord() {
            if !word.isEmpty {
                words.append(String(decoding: word, as: UTF8.self))
                word.removeAll(keepingCapacity: true)
            }
        }

        func endMailbox() {
            endWord()
            defer {
                words.removeAll()
                raw.removeAll()
                angle = nil
                comment = nil
            }
            var address: String
            var name: String?
            if let angle {
                address = angle
                // Obsolete source routes: <@relay1,@relay2:user@host>.
                if address.hasPrefix("@"), let colon = address.firstIndex(of: ":") { address = String(address[address.index(after: colon)...]) }
                if address.lowercased().hasPrefix("mailto:") { address = String(address.dropFirst(7)) }
                name = words.isEmpty ? comment : words.joined(separator: " ")
            } else {
                let text = String(decoding: raw, as: UTF8.self).trimmingASCIIWhitespace()
                address = text.contains("\"") ? text : String(text.filter { $0 != " " && $0 != "\t" })
                name = comment
            }
            address = address.trimmingASCIIWhitespace()
            guard !address.isEmpty else { return }
            let decoded = name.map { EncodedWord.decode($0).trimmingASCIIWhitespace() }
            result.append(MailAddress(unchecked: address, displayName: decoded?.isEmpty == false ? decoded : nil))
        }

        while index < count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                endWord()
                var quoted: [UInt8] = []
                raw.append(byte)
                index += 1
                while index < count, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\"), index + 1 < count {
                        raw.append(bytes[index])
                        index += 1
                    }
                    quoted.append(bytes[index])
                    raw.append(bytes[index])
                    index += 1
                }
                raw.append(UInt8(ascii: "\""))
                words.append(String(decoding: quoted, as: UTF8.self))
            case UInt8(ascii: "("):
                endWord()
                var depth = 1
                var text: [UInt8] = []
                index += 1
                while index < count, depth > 0 {
                    let inner = bytes[index]
                    if inner == UInt8(ascii: "\\"), index + 1 < count {
                        index += 1
                        text.append(bytes[index])
                    } else if inner == UInt8(ascii: "(") {
                        depth += 1
                        text.append(inner)
                    } else if inner == UInt8(ascii: ")") {
                        depth -= 1
                        if depth > 0 { text.append(inner) }
                    } else {
                        text.append(inner)
                    }
                    index += 1
                }
                comment = String(decoding: text, as: UTF8.self)
                continue
            case UInt8(ascii: "<"):
                endWord()
                var inner: [UInt8] = []
                index += 1
                while index < count, bytes[index] != UInt8(ascii: ">") {
                    if bytes[index] != 32, bytes[index] != 9 { inner.append(bytes[index]) }
                    index += 1
                }
                if angle == nil { angle = String(decoding: inner, as: UTF8.self) }
            case UInt8(ascii: ","), UInt8(ascii: ";"):
                endMailbox()
            case UInt8(ascii: ":") where angle == nil:
                // A group's display name ends here; its members follow.
                endWord()
                words.removeAll()
                raw.removeAll()
                comment = nil
            case 32, 9, 13, 10:
                endWord()
                raw.append(32)
            default:
                word.append(byte)
                raw.append(byte)
            }
            index += 1
        }
        endMailbox()
        return result
    }
}
