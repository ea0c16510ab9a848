/// Turns normalised text into 64-bit keys, one per n-gram, without building a `String` per
/// n-gram. Keys are stable across processes (no per-process hash seed), so a vocabulary stays
/// valid for the life of the model.
struct NGramExtractor: Sendable, Hashable {
    /// Word n-gram lengths, or `nil` for no word features.
    var wordNGrams: ClosedRange<Int>?
    /// Unordered pairs of words at most this many positions apart; 0 for none.
    var wordPairDistance = 0
    /// Unigrams and bigrams of word prefixes of this many characters; 0 for none.
    var wordPrefixLength = 0
    /// Character n-gram lengths inside each word padded with one space on either side
    /// (scikit-learn's `char_wb`), or `nil` for no character features.
    var characterNGrams: ClosedRange<Int>?

    /// Per-word hashes, reused from one text to the next.
    struct Words {
        var tokens: [UInt64] = []
        var prefixes: [UInt64] = []
    }

    /// Appends the keys of the word features of `text` (normalised: words separated by one space):
    /// word n-grams, word pairs and word-prefix n-grams, each kind hashed from its own seed.
    func appendWordKeys(of text: UnsafeBufferPointer<UInt32>, to keys: inout [UInt64], words: inout Words) {
        guard let range = wordNGrams else { return }
        hashWords(of: text, into: &words)
        let tokens = words.tokens
        for n in range where n <= tokens.count {
            if n == 1 {
                keys.append(contentsOf: tokens)
                continue
            }
            for start in 0...(tokens.count - n) {
                var key = FeatureHash.finish(FeatureHash.wordSeed &+ UInt64(n))
                for index in start..<start + n { key = FeatureHash.finish(key ^ tokens[index]) }
                keys.append(key)
            }
        }
        if wordPairDistance > 0 {
            for first in tokens.indices {
                for second in (first + 1)..<min(first + 1 + wordPairDistance, tokens.count) {
                    let (low, high) = tokens[first] < tokens[second] ? (tokens[first], tokens[second]) : (tokens[second], tokens[first])
                    keys.append(FeatureHash.finish(FeatureHash.finish(FeatureHash.pairSeed ^ low) ^ high))
                }
            }
        }
        if wordPrefixLength > 0 {
            let prefixes = words.prefixes
            keys.append(contentsOf: prefixes)
            for start in prefixes.indices.dropLast() {
                keys.append(FeatureHash.finish(FeatureHash.finish(FeatureHash.prefixSeed ^ prefixes[start]) ^ prefixes[start + 1]))
            }
        }
    }

    private func hashWords(of text: UnsafeBufferPointer<UInt32>, into words: inout Words) {
        words.tokens.removeAll(keepingCapacity: true)
        words.prefixes.removeAll(keepingCapacity: true)
        var token = FeatureHash.wordSeed
        var prefix = FeatureHash.prefixSeed
        var length = 0
        for value in text {
            if value == 0x20 {
                guard length > 0 else { continue }
                words.tokens.append(FeatureHash.finish(token))
                words.prefixes.append(FeatureHash.finish(prefix))
                token = FeatureHash.wordSeed
                prefix = FeatureHash.prefixSeed
                length = 0
            } else {
                token = FeatureHash.add(token, value)
                if length < wordPrefixLength { prefix = FeatureHash.add(prefix, value) }
                length += 1
            }
        }
        if length > 0 {
            words.tokens.append(FeatureHash.finish(token))
            words.prefixes.append(FeatureHash.finish(prefix))
        }
    }

    /// Appends the key of every character n-gram of every word of `text`, each word padded with
    /// a space on both sides, so that prefixes and suffixes are features of their own.
    func appendCharacterKeys(of text: UnsafeBufferPointer<UInt32>, to keys: inout [UInt64]) {
        guard let range = characterNGrams else { return }
        var wordStart = 0
        while wordStart < text.count {
            var wordEnd = wordStart
            while wordEnd < text.count && text[wordEnd] != 0x20 { wordEnd += 1 }
            let padded = wordEnd - wordStart + 2
            for start in 0..<padded {
                let longest = min(range.upperBound, padded - start)
                guard longest >= range.lowerBound else { break }
                var hash = FeatureHash.characterSeed
                for length in 1...longest {
                    let position = start + length - 1
                    let value = position == 0 || position == padded - 1 ? 0x20 : text[wordStart + position - 1]
                    hash = FeatureHash.add(hash, value)
                    if length >= range.lowerBound { keys.append(FeatureHash.finish(hash)) }
                }
            }
            wordStart = wordEnd + 1
        }
    }
}

/// FNV-1a over Unicode scalar values, finished with MurmurHash3's 64-bit mixer; each kind of
/// feature starts from its own seed so that, say, the word "ab" and the characters "ab" differ.
enum FeatureHash {
    static let wordSeed: UInt64 = 0xCBF2_9CE4_8422_2325
    static let characterSeed: UInt64 = 0x9E37_79B9_7F4A_7C15
    static let pairSeed: UInt64 = 0x632B_E59B_D9B4_E019
    static let prefixSeed: UInt64 = 0xD6E8_FEB8_6659_FD93

    @inline(__always)
    static func add(_ hash: UInt64, _ value: UInt32) -> UInt64 {
        (hash ^ UInt64(value)) &* 0x0000_0100_0000_01B3
    }

    @inline(__always)
    static func finish(_ hash: UInt64) -> UInt64 {
        var key = hash
        key ^= key >> 33
        key &*= 0xFF51_AFD7_ED55_8CCD
        key ^= key >> 33
        key &*= 0xC4CE_B9FE_1A85_EC53
        key ^= key >> 33
        return key
    }
}
