/// Quoted-printable (RFC 2045 §6.7) for bodies, and the "Q" flavour of RFC 2047 for headers.
enum QuotedPrintable {
    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    static func appendHex(_ byte: UInt8, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "="))
        output.append(hexDigits[Int(byte >> 4)])
        output.append(hexDigits[Int(byte & 15)])
    }

    /// Encodes a body whose line breaks are already CRLF. Output lines are at most 76 characters;
    /// longer ones end in a soft break (`=`), and an escape is never split across lines.
    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        // Every byte escaped, plus a soft break every 25 escapes: enough room for any input.
        let capacity = bytes.count * 3 + (bytes.count / 25 + 1) * 3
        return bytes.withUnsafeBufferPointer { input in
            [UInt8](unsafeUninitializedCapacity: capacity) { output, written in
                var out = 0
                var column = 0
                var index = 0
                let count = input.count
                while index < count {
                    let byte = input[index]
                    // Most bytes of a body: printable, and far enough from the line's end that
                    // no soft break can be due.
                    if byte >= 33, byte <= 126, byte != UInt8(ascii: "="), column < 75 {
                        output[out] = byte
                        out += 1
                        column += 1
                        index += 1
                        continue
                    }
                    if byte == 13, index + 1 < count, input[index + 1] == 10 {
                        output[out] = 13
                        output[out + 1] = 10
                        out += 2
                        column = 0
                        index += 2
                        continue
                    }
                    let atLineEnd = index + 1 == count || (input[index + 1] == 13 && index + 2 < count && input[index + 2] == 10)
                    let literal: Bool
                    switch byte {
                    case UInt8(ascii: "="): literal = false
                    case 33...126: literal = true
                    // Trailing whitespace would be stripped in transit, so it is escaped at the end of a line.
                    case UInt8(ascii: " "), UInt8(ascii: "\t"): literal = !atLineEnd
                    default: literal = false
                    }
                    let width = literal ? 1 : 3
                    // Keep one column for the soft-break `=`, unless this is the line's last character.
                    let limit = atLineEnd ? 76 : 75
                    if column + width > limit {
                        output[out] = UInt8(ascii: "=")
                        output[out + 1] = 13
                        output[out + 2] = 10
                        out += 3
                        column = 0
                    }
                    if literal {
                        output[out] = byte
                        out += 1
                    } else {
                        output[out] = UInt8(ascii: "=")
                        output[out + 1] = hexDigits[Int(byte >> 4)]
                        output[out + 2] = hexDigits[Int(byte & 15)]
                        out += 3
                    }
                    column += width
                    index += 1
                }
                written = out
            }
        }
    }

    /// Decodes leniently: soft breaks (with or without trailing whitespace before them, CRLF or LF)
    /// are removed, `=XX` in either case becomes the byte, and a stray `=` is kept as is.
    static func decode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        let count = input.count
        var index = 0
        while index < count {
            let byte = input[index]
            if byte == UInt8(ascii: "=") {
                // Soft line break: "=" then optional whitespace then (CR)LF.
                var probe = index + 1
                while probe < count, input[probe] == 32 || input[probe] == 9 { probe += 1 }
                if probe < count, input[probe] == 10 {
                    index = probe + 1
                    continue
                }
                if probe + 1 < count, input[probe] == 13, input[probe + 1] == 10 {
                    index = probe + 2
                    continue
                }
                if probe == count {
                    index = count
                    continue
                }
                if index + 2 < count, let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2]) {
                    output.append(high << 4 | low)
                    index += 3
                    continue
                }
                output.append(byte)
                index += 1
                continue
            }
            if byte == 32 || byte == 9 {
                // Whitespace at the end of a line was added in transit (RFC 2045 says to drop it).
                var probe = index
                while probe < count, input[probe] == 32 || input[probe] == 9 { probe += 1 }
                if probe == count || input[probe] == 10 || (input[probe] == 13 && probe + 1 < count && input[probe + 1] == 10) {
                    index = probe
                    continue
                }
                output.append(contentsOf: input[index..<probe])
                index = probe
                continue
            }
            output.append(byte)
            index += 1
        }
        return output
    }

    /// Decodes the text of a "Q" encoded word: `_` is a space, `=XX` a byte.
    static func decodeQ(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "_") {
                output.append(32)
            } else if byte == UInt8(ascii: "="), index + 2 < input.count,
                let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
                continue
            } else {
                output.append(byte)
            }
            index += 1
        }
        return output
    }
}
