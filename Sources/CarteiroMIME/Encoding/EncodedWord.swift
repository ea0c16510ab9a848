/// RFC 2047 encoded words (`=?charset?B|Q?text?=`): decoding in any charset, encoding as UTF-8.
enum EncodedWord {
    /// Longest encoded word RFC 2047 allows.
    static let maximumLength = 75
    private static let overhead = "=?utf-8?b??=".utf8.count

    // MARK: Decoding

    /// Replaces every encoded word in `value` by its text. Whitespace between two adjacent encoded
    /// words is dropped (RFC 2047 §6.2); adjacent words in one charset are joined before decoding so
    /// a character split across words (a common sender bug) survives.
    static func decode(_ value: String) -> String {
        guard mayContainEncodedWord(value) else { return value }
        let bytes = Array(value.utf8)
        let count = bytes.count
        var output: [UInt8] = []
        output.reserveCapacity(count)
        var pendingCharset: String?
        var pending: [UInt8] = []
        var afterEncodedWord = false
        var index = 0

        func flush() {
            if let charset = pendingCharset {
                output.append(contentsOf: Charset.decode(pending, charset: charset).utf8)
                pending.removeAll(keepingCapacity: true)
                pendingCharset = nil
            }
        }

        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "="), let word = parseWord(bytes, at: index) {
                let charset = Charset.normalize(word.charset)
                if pendingCharset != charset { flush() }
                pendingCharset = charset
                pending.append(contentsOf: word.isBase64 ? Base64.decode(bytes[word.text]) : QuotedPrintable.decodeQ(bytes[word.text]))
                index = word.end
                afterEncodedWord = true
                continue
            }
            if afterEncodedWord, byte == 32 || byte == 9 || byte == 13 || byte == 10 {
                var probe = index
                while probe < count, bytes[probe] == 32 || bytes[probe] == 9 || bytes[probe] == 13 || bytes[probe] == 10 { probe += 1 }
                if probe < count, bytes[probe] == UInt8(ascii: "="), parseWord(bytes, at: probe) != nil {
                    index = probe
                    continue
                }
                flush()
                output.append(contentsOf: bytes[index..<probe])
                index = probe
                afterEncodedWord = false
                continue
            }
            flush()
            afterEncodedWord = false
            output.append(byte)
            index += 1
        }
        flush()
        return String(decoding: output, as: UTF8.self)
    }

    static func mayContainEncodedWord(_ value: String) -> Bool {
        var previous: UInt8 = 0
        for byte in value.utf8 {
            if byte == UInt8(ascii: "?"), previous == UInt8(ascii: "=") { return true }
            previous = byte
        }
        return false
    }

    private struct Word {
        var charset: String
        var isBase64: Bool
        var text: Range<Int>
        var end: Int
    }

    private static func parseWord(_ bytes: [UInt8], at start: Int) -> Word? {
        let count = bytes.count
        guard start + 1 < count, bytes[start] == UInt8(ascii: "="), bytes[start + 1] == UInt8(ascii: "?") else { return nil }
        var index = start + 2
        let charsetStart = index
        while index < count, bytes[index] != UInt8(ascii: "?") {
            let byte = bytes[index]
            if byte <= 32 || byte >= 127 || index - charsetStart > 40 { return nil }
            index += 1
        }
        guard index > charsetStart, index + 2 < count, bytes[index + 2] == UInt8(ascii: "?") else { return nil }
        let charset = String(decoding: bytes[charsetStart..<index], as: UTF8.self)
        let isBase64: Bool
        switch bytes[index + 1] {
        case UInt8(ascii: "B"), UInt8(ascii: "b"): isBase64 = true
        case UInt8(ascii: "Q"), UInt8(ascii: "q"): isBase64 = false
        default: return nil
        }
        let textStart = index + 3
        index = textStart
        while index + 1 < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "?"), bytes[index + 1] == UInt8(ascii: "=") {
                return Word(charset: charset, isBase64: isBase64, text: textStart..<index, end: index + 2)
            }
            if byte == 32 || byte == 9 || byte == 13 || byte == 10 { return nil }
            index += 1
        }
        return nil
    }

    // MARK: Encoding

    // Characters a "Q" word may carry literally in any header context (RFC 2047 §5 (3)).
    @inline(__always)
    private static func isQLiteral(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "!"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"):
            true
        default: false
        }
    }

    @inline(__always)
    private static func qWidth(_ byte: UInt8) -> Int { isQLiteral(byte) || byte == 32 ? 1 : 3 }

    /// Encodes `text` as UTF-8 encoded words, each at most 75 characters (the first at most
    /// `firstBudget`), split between characters — never inside a UTF-8 sequence. Q is used when it is
    /// no longer than B (mostly ASCII text), else B.
    static func encode(_ text: String, firstBudget: Int = maximumLength) -> [String] {
        let utf8 = Array(text.utf8)
        let qTotal = utf8.reduce(0) { $0 + qWidth($1) }
        let bTotal = (utf8.count + 2) / 3 * 4
        let useQ = qTotal <= bTotal
        var words: [String] = []
        var payload: [UInt8] = []
        var budget = max(firstBudget, overhead + 8) - overhead
        var used = 0

        func flushWord() {
            guard !payload.isEmpty else { return }
            var word = Array((useQ ? "=?utf-8?q?" : "=?utf-8?b?").utf8)
            if useQ {
                for byte in payload {
                    if byte == 32 {
                        word.append(UInt8(ascii: "_"))
                    } else if isQLiteral(byte) {
                        word.append(byte)
                    } else {
                        QuotedPrintable.appendHex(byte, to: &word)
                    }
                }
            } else {
                word.append(contentsOf: Base64.encode(payload, lineLength: nil))
            }
            word.append(contentsOf: "?=".utf8)
            words.append(String(decoding: word, as: UTF8.self))
            payload.removeAll(keepingCapacity: true)
            used = 0
            budget = maximumLength - overhead
        }

        func width(adding bytes: some Collection<UInt8>) -> Int {
            useQ ? used + bytes.reduce(0) { $0 + qWidth($1) } : (payload.count + bytes.count + 2) / 3 * 4
        }

        func append(_ bytes: some Collection<UInt8>) {
            if !payload.isEmpty, width(adding: bytes) > budget { flushWord() }
            payload.append(contentsOf: bytes)
            used = useQ ? used + bytes.reduce(0) { $0 + qWidth($1) } : (payload.count + 2) / 3 * 4
        }

        for character in text {
            let bytes = Array(character.utf8)
            if width(adding: bytes) <= budget || !payload.isEmpty && bytes.count <= 12 {
                append(bytes)
            } else {
                // A grapheme too long for one word (a long emoji sequence): split between its scalars.
                for scalar in character.unicodeScalars { append(Array(String(scalar).utf8)) }
            }
        }
        flushWord()
        return words
    }
}
