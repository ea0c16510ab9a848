import CarteiroMIME
import Foundation
import Testing

@Suite struct FuzzTests {
    static let perMessageLimit: Duration = .seconds(1)

    static func seeds() throws -> [[UInt8]] {
        try (Corpus.messages(in: "bounces/maildir/bsd") + Corpus.messages(in: "replies")).map(\.bytes)
    }

    private static func mutate(_ original: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = original
        switch generator.next(upperBound: 6 as UInt64) {
        case 0:
            // Bit flips.
            for _ in 0..<Int(generator.next(upperBound: 64 as UInt64)) + 1 where !bytes.isEmpty {
                bytes[Int(generator.next(upperBound: UInt64(bytes.count)))] ^= 1 << UInt8(generator.next(upperBound: 8 as UInt64))
            }
        case 1:
            // Truncation at a random point.
            bytes = Array(bytes.prefix(Int(generator.next(upperBound: UInt64(bytes.count + 1)))))
        case 2:
            // Random bytes spliced in, favouring the characters parsers care about.
            let specials: [UInt8] = Array("\r\n-=?:;\"<>()\\ \t".utf8) + [0, 0xFF, 0xC3]
            for _ in 0..<Int(generator.next(upperBound: 32 as UInt64)) + 1 {
                let position = Int(generator.next(upperBound: UInt64(bytes.count + 1)))
                bytes.insert(specials[Int(generator.next(upperBound: UInt64(specials.count)))], at: position)
            }
        case 3:
            // Boundaries replaced by random ones (or removed), so delimiters no longer match.
            let text = String(decoding: bytes, as: UTF8.self)
            let replacement = String(
                (0..<Int(generator.next(upperBound: 12 as UInt64))).map { _ in
                    Character(Unicode.Scalar(UInt8(97 + generator.next(upperBound: 26 as UInt64))))
                })
            bytes = Array(text.replacingOccurrences(of: "boundary=", with: "boundary=\(replacement)").utf8)
        case 4:
            // A chunk duplicated elsewhere (repeats delimiters and headers).
            guard bytes.count > 2 else { break }
            let start = Int(generator.next(upperBound: UInt64(bytes.count - 1)))
            let length = Int(generator.next(upperBound: UInt64(min(4096, bytes.count - start))))
            let chunk = bytes[start..<(start + length)]
            bytes.insert(contentsOf: chunk, at: Int(generator.next(upperBound: UInt64(bytes.count + 1))))
        default:
            // Line endings flipped between CRLF and LF.
            let text = String(decoding: bytes, as: UTF8.self)
            bytes = Array(
                (text.contains("\r\n") ? text.replacingOccurrences(of: "\r\n", with: "\n") : text.replacingOccurrences(of: "\n", with: "\r\n")).utf8)
        }
        return bytes
    }

    @Test func survivesTwoThousandMutatedCorpusMessages() throws {
        let seeds = try Self.seeds()
        var generator = SeededGenerator(seed: 0x00C0_FFEE)
        var slowest: Duration = .zero
        for _ in 0..<2000 {
            let seed = seeds[Int(generator.next(upperBound: UInt64(seeds.count)))]
            let mutated = Self.mutate(seed, using: &generator)
            let (_, elapsed) = CorpusParsingTests.exercise(mutated)
            slowest = max(slowest, elapsed)
        }
        #expect(slowest < Self.perMessageLimit, "slowest mutated message took \(slowest)")
    }

    @Test func survivesAOneMegabyteHeaderLine() {
        let huge = "Subject: " + String(repeating: "=?utf-8?q?a?= x ", count: 65_536) + "\r\nX-Long: " + String(repeating: "y", count: 1 << 20)
        let bytes = Array((huge + "\r\nFrom: " + String(repeating: "\"a\" <b@c>, ", count: 50_000) + "\r\n\r\nbody").utf8)
        let (message, elapsed) = CorpusParsingTests.exercise(bytes)
        #expect(elapsed < Self.perMessageLimit * 2)
        #expect(message.headers.value(for: "X-Long")?.utf8.count == 1 << 20)
        #expect(message.textBody == "body")
    }

    @Test func stopsDescendingPast50LevelsOf200NestedMultiparts() {
        var text = ""
        for level in 0..<200 { text += "Content-Type: multipart/mixed; boundary=\"b\(level)\"\r\n\r\n--b\(level)\r\n" }
        text += "Content-Type: text/plain\r\n\r\ndeep\r\n"
        for level in (0..<200).reversed() { text += "--b\(level)--\r\n" }
        let (message, elapsed) = CorpusParsingTests.exercise(Array(text.utf8))
        #expect(elapsed < Self.perMessageLimit)
        var depth = 0
        var part = message.root
        while let child = part.children.first {
            part = child
            depth += 1
        }
        #expect(depth == 50)
    }

    @Test func survives200NestedEmbeddedMessages() {
        var text = "Subject: innermost\r\n\r\nhi\r\n"
        for level in 0..<200 { text = "Subject: level \(level)\r\nContent-Type: message/rfc822\r\n\r\n" + text }
        let (message, elapsed) = CorpusParsingTests.exercise(Array(text.utf8))
        #expect(elapsed < Self.perMessageLimit)
        #expect(message.subject == "level 199")
    }

    @Test func survivesRandomBytes() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<200 {
            let bytes = (0..<Int(generator.next(upperBound: 8192 as UInt64))).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let (_, elapsed) = CorpusParsingTests.exercise(bytes)
            #expect(elapsed < Self.perMessageLimit)
        }
    }
}
