/// Addresses and message IDs found in free text and header values.
enum MailText {
    /// Bytes an address's local part may hold (RFC 5322 atext and dots).
    private static let localBytes: [Bool] = (0..<256).map { byte in
        let scalar = Unicode.Scalar(UInt8(byte))
        return (scalar.properties.isAlphabetic && byte < 128) || (byte >= 0x30 && byte <= 0x39)
            || "!#$%&'*+/=?^_`{|}~.-".unicodeScalars.contains(scalar)
    }
    private static let domainBytes: [Bool] = (0..<256).map { byte in
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2E || byte == 0x2D
    }

    /// Every `local@domain` in `text`, in order, each with the offset of its first byte in `bytes`
    /// (the UTF-8 of the text). Domains need a dot and a top-level label of two letters or more.
    static func addressSpans(in bytes: [UInt8], range: Range<Int>? = nil) -> [(address: String, offset: Int)] {
        let range = range ?? 0..<bytes.count
        var found: [(String, Int)] = []
        var index = range.lowerBound
        while index < range.upperBound {
            guard bytes[index] == 0x40 else {
                index += 1
                continue
            }
            var start = index
            while start > range.lowerBound, localBytes[Int(bytes[start - 1])] { start -= 1 }
            var end = index + 1
            while end < range.upperBound, domainBytes[Int(bytes[end])] { end += 1 }
            // Punctuation that leads an address in prose or in a transcript (`#user@…`, `'user@…`).
            // An RFC 2047 encoded word (`=?utf-8?B?…?=@example.org`) keeps its leading `=`.
            while start < index,
                bytes[start] == 0x2E || bytes[start] == 0x27 || (bytes[start] == 0x3D && bytes[start + 1] != 0x3F) || bytes[start] == 0x23
                    || bytes[start] == 0x2F || bytes[start] == 0x7C || bytes[start] == 0x7B
            {
                start += 1
            }
            while end > index + 1, bytes[end - 1] == 0x2E || bytes[end - 1] == 0x2D { end -= 1 }
            if start < index, end > index + 1, let address = validated(bytes[start..<end], at: index - start) {
                found.append((address, start))
            }
            index = max(end, index + 1)
        }
        return found
    }

    private static func validated(_ bytes: ArraySlice<UInt8>, at: Int) -> String? {
        let domain = bytes.dropFirst(at + 1)
        guard let lastDot = domain.lastIndex(of: 0x2E), lastDot > domain.startIndex else { return nil }
        let topLevel = domain[(lastDot + 1)...]
        guard topLevel.count >= 2, topLevel.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Every address in a header value or a line of text, lowercased, in order.
    static func addresses<S: StringProtocol>(in text: S) -> [String] {
        addressSpans(in: Array(text.utf8)).map { $0.address.lowercased() }
    }

    /// The one address in `text` (`rfc822; <a@b>` already stripped of its type), as written.
    /// Lenient, as a report's fields are: a domain without a dot (`user@mailhub`) is kept.
    static func address(in text: String) -> String? {
        if let found = addressSpans(in: Array(text.utf8)).first?.address { return found }
        var value = Substring(text.trimmingWhitespace())
        if value.hasPrefix("<"), value.hasSuffix(">") { value = value.dropFirst().dropLast() }
        guard let at = value.firstIndex(of: "@"), at > value.startIndex, value.index(after: at) < value.endIndex,
            !value.contains(where: { $0 == " " || $0 == "<" || $0 == ">" })
        else { return nil }
        return String(value)
    }

    /// The first `<id>` in a header value, without brackets; else the first word.
    static func messageID<S: StringProtocol>(in value: S) -> String? {
        if let open = value.firstIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
            let id = value[value.index(after: open)..<close].trimmingWhitespace()
            return id.isEmpty ? nil : id
        }
        let word = value.split(whereSeparator: { $0.isWhitespace }).first.map { String($0) }
        return word?.isEmpty == false ? word : nil
    }

    /// The `TOKEN` of `local+TOKEN@domain`, or nil.
    static func plusToken(of address: String) -> String? {
        guard let at = address.lastIndex(of: "@"), let plus = address[..<at].firstIndex(of: "+") else { return nil }
        let token = address[address.index(after: plus)..<at]
        return token.isEmpty ? nil : String(token)
    }
}
