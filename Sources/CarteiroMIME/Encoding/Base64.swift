/// Base64 as MIME uses it (RFC 2045 §6.8): 76-character lines when encoding, and a decoder that
/// skips whitespace and stray characters and does not need the padding.
enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    // 0xFF marks a byte outside the alphabet; the URL-safe `-` and `_` are accepted too, as some senders use them.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Encodes `bytes`, breaking lines with CRLF every `lineLength` characters (no breaks when nil).
    static func encode(_ bytes: some Collection<UInt8>, lineLength: Int? = 76) -> [UInt8] {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4 + input.count / 38 + 4)
        var column = 0
        var index = 0
        func emit(_ byte: UInt8) {
            if let lineLength, column == lineLength {
                output.append(13)
                output.append(10)
                column = 0
            }
            output.append(byte)
            column += 1
        }
        while index + 3 <= input.count {
            let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            emit(alphabet[Int(value >> 18 & 63)])
            emit(alphabet[Int(value >> 12 & 63)])
            emit(alphabet[Int(value >> 6 & 63)])
            emit(alphabet[Int(value & 63)])
            index += 3
        }
        let rest = input.count - index
        if rest > 0 {
            let value = UInt32(input[index]) << 16 | (rest == 2 ? UInt32(input[index + 1]) << 8 : 0)
            emit(alphabet[Int(value >> 18 & 63)])
            emit(alphabet[Int(value >> 12 & 63)])
            emit(rest == 2 ? alphabet[Int(value >> 6 & 63)] : UInt8(ascii: "="))
            emit(UInt8(ascii: "="))
        }
        return output
    }

    /// Decodes leniently: characters outside the alphabet (line breaks, spaces, padding) are skipped,
    /// and a trailing group of two or three characters still yields its bytes.
    static func decode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count / 4 * 3 + 3)
        decodeTable.withUnsafeBufferPointer { table in
            var accumulator: UInt32 = 0
            var count = 0
            for byte in bytes {
                if byte == UInt8(ascii: "=") {
                    // Padding ends a group; anything after it starts afresh (concatenated base64 happens).
                    flush(&accumulator, &count, &output)
                    continue
                }
                let value = table[Int(byte)]
                if value == 0xFF { continue }
                accumulator = accumulator << 6 | UInt32(value)
                count += 1
                if count == 4 {
                    output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                    output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                    output.append(UInt8(truncatingIfNeeded: accumulator))
                    accumulator = 0
                    count = 0
                }
            }
            flush(&accumulator, &count, &output)
        }
        return output
    }

    private static func flush(_ accumulator: inout UInt32, _ count: inout Int, _ output: inout [UInt8]) {
        switch count {
        case 2:
            output.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        case 3:
            output.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            output.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        default:
            break
        }
        accumulator = 0
        count = 0
    }
}
