import Testing

@testable import CarteiroMIME

@Suite struct QuotedPrintableTests {
    @Test func encodesExactlyAsTheByteAtATimeEncoderDid() {
        var generator = SeededGenerator(seed: 7)
        // Bodies rich in what the encoder decides on: line ends, trailing spaces, '=', long lines.
        let alphabet: [UInt8] = Array("ab =\t.çã".utf8) + [13, 10, 13, 10, 0, 127, 0xFF]
        for length in [0, 1, 2, 74, 75, 76, 77, 150, 2_000] {
            for _ in 0..<40 {
                let body = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
                let encoded = QuotedPrintable.encode(body)
                #expect(encoded == Self.referenceEncode(body))
            }
        }
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 300) + [32, 13, 10] + [UInt8](repeating: 0xE9, count: 100)
        #expect(QuotedPrintable.encode(long) == Self.referenceEncode(long))
    }

    /// The encoder as it was before it wrote into a preallocated buffer.
    static func referenceEncode(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8 + 16)
        var column = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == 13, index + 1 < count, bytes[index + 1] == 10 {
                output.append(13)
                output.append(10)
                column = 0
                index += 2
                continue
            }
            let atLineEnd = index + 1 == count || (bytes[index + 1] == 13 && index + 2 < count && bytes[index + 2] == 10)
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
                output.append(UInt8(ascii: "="))
                output.append(13)
                output.append(10)
                column = 0
            }
            if literal {
                output.append(byte)
            } else {
                QuotedPrintable.appendHex(byte, to: &output)
            }
            column += width
            index += 1
        }
        return output
    }
}
