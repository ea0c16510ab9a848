import Glibc

/// Turns bytes in a declared charset into a String. UTF-8, US-ASCII, ISO-8859-1, ISO-8859-15 and
/// windows-1252 are decoded here; anything else goes through the C library's iconv. Invalid bytes
/// become U+FFFD; nothing here fails.
enum Charset {
    private enum Known {
        case utf8, ascii, latin1, latin9, windows1252
    }

    private static func known(_ normalized: String) -> Known? {
        switch normalized {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8": .utf8
        case "", "us-ascii", "ascii", "us", "ansi_x3.4-1968", "iso646-us", "iso-646-us", "csascii", "default", "unknown",
            "unknown-8bit", "x-unknown", "x-user-defined", "8bit", "7bit":
            .ascii
        // Browsers (WHATWG) read Latin-1 labels as windows-1252: mail that says Latin-1 and has bytes
        // 0x80–0x9F means curly quotes and dashes, never C1 controls.
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "iso-ir-100", "cp819", "ibm819",
            "iso_8859-1:1987", "csisolatin1", "iso8859_1":
            .latin1
        case "iso-8859-15", "iso8859-15", "iso_8859-15", "latin9", "latin-9", "l9", "csisolatin9", "iso8859_15": .latin9
        case "windows-1252", "cp1252", "x-cp1252", "win-1252", "ms-ansi", "windows1252": .windows1252
        default: nil
        }
    }

    /// Lowercased, unquoted, without an RFC 2231 language suffix (`utf-8*en`).
    static func normalize(_ charset: String) -> String {
        var name = charset.lowercased()
        if let star = name.firstIndex(of: "*") { name = String(name[..<star]) }
        return name.trimmingASCIIWhitespaceAndQuotes()
    }

    static func decode(_ bytes: some Collection<UInt8>, charset: String?) -> String {
        let name = charset.map(normalize) ?? ""
        switch known(name) {
        case .utf8:
            return String(decoding: bytes, as: UTF8.self)
        case .ascii:
            if isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
            // Undeclared 8-bit text: UTF-8 when it validates, else the usual Western default.
            return String(validating: bytes, as: UTF8.self) ?? decodeSingleByte(bytes, table: windows1252High)
        case .latin1, .windows1252:
            if isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
            return decodeSingleByte(bytes, table: windows1252High)
        case .latin9:
            if isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
            return decodeSingleByte(bytes, table: latin9High)
        case nil:
            // ISO-2022 and UTF-7 are 7-bit but not ASCII; UTF-16/32 have NULs.
            let asciiCompatible =
                !name.contains("2022") && !name.contains("utf-7") && !name.contains("16") && !name.contains("32")
                && !name.contains("ucs") && !name.hasPrefix("hz")
            if asciiCompatible, isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
            if let converted = convertWithIconv(Array(bytes), from: iconvName(for: name)) { return converted }
            return String(validating: bytes, as: UTF8.self) ?? decodeSingleByte(bytes, table: windows1252High)
        }
    }

    @inline(__always)
    static func isASCII(_ bytes: some Collection<UInt8>) -> Bool {
        if let result = bytes.withContiguousStorageIfAvailable({ isASCII(buffer: $0) }) { return result }
        return bytes.allSatisfy { $0 < 0x80 }
    }

    static func isASCII(buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        let count = buffer.count
        var index = 0
        // Eight bytes at a time: any high bit set means non-ASCII.
        while index + 8 <= count {
            if UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            index += 8
        }
        while index < count {
            if base[index] >= 0x80 { return false }
            index += 1
        }
        return true
    }

    // Code points for 0x80...0xFF; 0xA0...0xFF are Latin-1 unless the table says otherwise.
    private static let windows1252High: [UInt32] = {
        let c1: [UInt32] = [
            0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
            0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
        ]
        return c1 + (0xA0...0xFF).map { UInt32($0) }
    }()

    private static let latin9High: [UInt32] = {
        var table = (0x80...0xFF).map { UInt32($0) }
        let changes: [(Int, UInt32)] = [
            (0xA4, 0x20AC), (0xA6, 0x0160), (0xA8, 0x0161), (0xB4, 0x017D), (0xB8, 0x017E), (0xBC, 0x0152), (0xBD, 0x0153), (0xBE, 0x0178),
        ]
        for (byte, scalar) in changes { table[byte - 0x80] = scalar }
        return table
    }()

    private static func decodeSingleByte(_ bytes: some Collection<UInt8>, table: [UInt32]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 4)
        for byte in bytes {
            if byte < 0x80 {
                output.append(byte)
            } else {
                appendUTF8(table[Int(byte) - 0x80], to: &output)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            if (0xD800..<0xE000).contains(scalar) {
                output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                return
            }
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case 0x10000..<0x110000:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(contentsOf: [0xEF, 0xBF, 0xBD])
        }
    }

    // Labels seen in real mail that glibc spells differently, or where a superset decodes more.
    private static func iconvName(for name: String) -> String {
        switch name {
        case "gb2312", "gbk", "x-gbk", "cp936", "euc-cn", "x-euc-cn": "GB18030"
        case "ks_c_5601-1987", "ks_c_5601", "korean", "csksc56011987", "euc-kr", "x-euc-kr": "CP949"
        case "shift_jis", "x-sjis", "sjis", "shift-jis", "ms_kanji", "csshiftjis", "windows-31j": "CP932"
        case "iso-2022-jp", "csiso2022jp": "ISO-2022-JP-3"
        case "big5", "x-big5", "cn-big5": "BIG5-HKSCS"
        case "tis-620", "windows-874": "CP874"
        case "utf-7", "x-utf-7", "unicode-1-1-utf-7": "UTF-7"
        default: name.uppercased()
        }
    }

    /// Converts through iconv; nil when iconv does not know the charset. Bytes iconv rejects become
    /// U+FFFD and conversion resumes after them.
    private static func convertWithIconv(_ input: [UInt8], from charset: String) -> String? {
        guard !charset.isEmpty, charset.utf8.count < 64, charset.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else { return nil }
        let descriptor = iconv_open("UTF-8", charset)
        guard let descriptor, Int(bitPattern: descriptor) != -1 else { return nil }
        // The descriptor is owned here and closed on every path below.
        defer { iconv_close(descriptor) }
        var result: [UInt8] = []
        result.reserveCapacity(input.count * 2)
        var chunk = [UInt8](repeating: 0, count: max(256, input.count * 4 + 16))
        var source = input
        source.withUnsafeMutableBufferPointer { sourceBuffer in
            chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                guard let sourceBase = sourceBuffer.baseAddress else { return }
                var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(sourceBase).assumingMemoryBound(to: CChar.self)
                var inLeft = sourceBuffer.count
                while true {
                    var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(chunkBuffer.baseAddress!)
                        .assumingMemoryBound(to: CChar.self)
                    var outLeft = chunkBuffer.count
                    let status =
                        inLeft == 0
                        ? iconv(descriptor, nil, nil, &outPointer, &outLeft) : iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                    let failure = status == -1 ? errno : 0
                    result.append(contentsOf: UnsafeBufferPointer(start: chunkBuffer.baseAddress!, count: chunkBuffer.count - outLeft))
                    if status != -1 {
                        if inLeft == 0 { break }
                        continue
                    }
                    switch failure {
                    case E2BIG:
                        continue
                    case EILSEQ:
                        result.append(contentsOf: [0xEF, 0xBF, 0xBD])
                        inPointer = inPointer.map { $0 + 1 }
                        inLeft -= 1
                        if inLeft == 0 { return }
                    default:
                        // EINVAL: an incomplete sequence at the end of the input.
                        result.append(contentsOf: [0xEF, 0xBF, 0xBD])
                        return
                    }
                }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}

extension String {
    func trimmingASCIIWhitespaceAndQuotes() -> String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" || first == "\"" || first == "'" { view.removeFirst() }
        while let last = view.last, last == " " || last == "\t" || last == "\"" || last == "'" { view.removeLast() }
        return String(view)
    }

    func trimmingASCIIWhitespace() -> String {
        let utf8 = self.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, Self.isWhitespace(utf8[start]) { start = utf8.index(after: start) }
        while end > start, Self.isWhitespace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        if start == utf8.startIndex, end == utf8.endIndex { return self }
        return String(self[start..<end])
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 10 || byte == 13 }
}
