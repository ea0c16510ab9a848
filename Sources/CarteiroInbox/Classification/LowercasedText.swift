/// UTF-8 text with ASCII letters lowercased, searched byte by byte: every phrase a mail server
/// writes in a report is ASCII, and this is many times faster than String searching on the bounce path.
struct LowercasedText {
    let bytes: [UInt8]

    init<S: StringProtocol>(_ text: S) {
        bytes = text.utf8.map(Self.lowercased)
    }

    init<C: Collection<UInt8>>(bytes: C) {
        self.bytes = bytes.map(Self.lowercased)
    }

    @inline(__always) static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte | 0x20 : byte
    }

    var isEmpty: Bool { bytes.isEmpty }

    /// The first position of `needle` (lowercase ASCII) within `range`, or nil. A space in the
    /// needle matches any run of spaces, tabs and line breaks: servers wrap their replies anywhere.
    func firstIndex(of needle: Needle, in range: Range<Int>? = nil) -> Int? {
        let range = range ?? 0..<bytes.count
        let pattern = needle.bytes
        guard let first = pattern.first, range.count >= pattern.count else { return nil }
        return bytes.withUnsafeBufferPointer { text in
            pattern.withUnsafeBufferPointer { pattern in
                var index = range.lowerBound
                let last = range.upperBound - pattern.count
                while index <= last {
                    if text[index] == first, Self.matches(pattern, in: text, at: index, end: range.upperBound) { return index }
                    index += 1
                }
                return nil
            }
        }
    }

    func contains(_ needle: Needle, in range: Range<Int>? = nil) -> Bool {
        firstIndex(of: needle, in: range) != nil
    }

    /// Whether any of the phrases occurs within `range`: one pass over the text, trying at each
    /// byte only the phrases that start with it.
    func containsAny(_ needles: NeedleSet, in range: Range<Int>? = nil) -> Bool {
        let range = range ?? 0..<bytes.count
        guard range.count >= needles.shortest else { return false }
        return bytes.withUnsafeBufferPointer { text in
            needles.storage.withUnsafeBufferPointer { storage in
                needles.candidates.withUnsafeBufferPointer { candidates in
                    needles.firstByteStart.withUnsafeBufferPointer { firstByteStart in
                        for index in range.lowerBound..<(range.upperBound - needles.shortest + 1) {
                            let byte = Int(text[index])
                            var candidate = firstByteStart[byte]
                            let end = firstByteStart[byte + 1]
                            while candidate < end {
                                let pattern = candidates[candidate]
                                let bytes = UnsafeBufferPointer(rebasing: storage[pattern.lowerBound..<pattern.upperBound])
                                if Self.matches(bytes, in: text, at: index, end: range.upperBound) { return true }
                                candidate += 1
                            }
                        }
                        return false
                    }
                }
            }
        }
    }

    @inline(__always) private static func matches(_ pattern: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>, at index: Int, end: Int)
        -> Bool
    {
        var offset = 1
        var probe = index + 1
        while offset < pattern.count {
            guard probe < end else { return false }
            if pattern[offset] == 0x20 {
                guard isSpace(text[probe]) else { return false }
                while probe < end, isSpace(text[probe]) { probe += 1 }
            } else {
                guard text[probe] == pattern[offset] else { return false }
                probe += 1
            }
            offset += 1
        }
        return true
    }

    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
    }

    /// The first RFC 3463 enhanced status code (`5.1.1`, class 2, 4 or 5) in `range`, else one
    /// made from the first SMTP reply code there (`550` → `5.0.0`), else nil.
    func statusCode(in range: Range<Int>) -> String? {
        enhancedStatusCode(in: range) ?? replyCode(in: range).map { "\($0).0.0" }
    }

    func enhancedStatusCode(in range: Range<Int>) -> String? {
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == 0x32 || byte == 0x34 || byte == 0x35,
                index == range.lowerBound || !(Self.isDigit(bytes[index - 1]) || bytes[index - 1] == 0x2E)
            {
                var probe = index + 1
                var groups = 0
                while groups < 2, probe < range.upperBound, bytes[probe] == 0x2E {
                    let start = probe + 1
                    probe = start
                    while probe < range.upperBound, Self.isDigit(bytes[probe]), probe - start < 3 { probe += 1 }
                    guard probe > start else { break }
                    groups += 1
                }
                if groups == 2,
                    probe == range.upperBound
                        || !(Self.isDigit(bytes[probe]) || (bytes[probe] == 0x2E && probe + 1 < range.upperBound && Self.isDigit(bytes[probe + 1])))
                {
                    return String(decoding: bytes[index..<probe], as: UTF8.self)
                }
            }
            index += 1
        }
        return nil
    }

    /// The class digit of the first SMTP reply code (`550 `, `421-`) standing alone in `range`.
    func replyCode(in range: Range<Int>) -> Character? {
        var index = range.lowerBound
        while index + 3 <= range.upperBound {
            let byte = bytes[index]
            if byte == 0x34 || byte == 0x35, Self.isDigit(bytes[index + 1]), Self.isDigit(bytes[index + 2]),
                index == range.lowerBound || Self.isReplyCodeLead(bytes[index - 1]),
                index + 3 == range.upperBound || bytes[index + 3] == 0x20 || bytes[index + 3] == 0x2D
            {
                return Character(Unicode.Scalar(byte))
            }
            index += 1
        }
        return nil
    }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isReplyCodeLead(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x3A || byte == 0x28 || byte == 0x3C || byte == 0x22 || byte == 0x3B
    }
}

/// A lowercase ASCII phrase to look for in a `LowercasedText`.
struct Needle: ExpressibleByStringLiteral {
    let bytes: [UInt8]

    init(stringLiteral value: String) {
        bytes = Array(value.utf8)
    }
}

/// Phrases looked for together, indexed by their first byte. Flat arrays, so that the search
/// loop touches no reference counts.
struct NeedleSet: ExpressibleByArrayLiteral {
    /// Every phrase's bytes, one after another.
    let storage: [UInt8]
    /// The phrases' ranges in `storage`, grouped by first byte.
    let candidates: [Range<Int>]
    /// For each first byte b, its phrases are `candidates[firstByteStart[b]..<firstByteStart[b + 1]]`.
    let firstByteStart: [Int]
    let shortest: Int
    /// The phrases, for reading.
    var patterns: [[UInt8]] { candidates.map { Array(storage[$0]) } }

    init(arrayLiteral elements: Needle...) {
        self.init(elements)
    }

    init(_ needles: [Needle]) {
        let patterns = needles.map(\.bytes).filter { !$0.isEmpty }.sorted { $0[0] < $1[0] }
        var storage: [UInt8] = []
        var candidates: [Range<Int>] = []
        var firstByteStart = [Int](repeating: 0, count: 257)
        for pattern in patterns {
            candidates.append(storage.count..<(storage.count + pattern.count))
            storage.append(contentsOf: pattern)
            firstByteStart[Int(pattern[0]) + 1] += 1
        }
        for byte in 0..<256 { firstByteStart[byte + 1] += firstByteStart[byte] }
        self.storage = storage
        self.candidates = candidates
        self.firstByteStart = firstByteStart
        shortest = patterns.map(\.count).min() ?? 1
    }
}
