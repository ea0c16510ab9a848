/// Text → sparse TF-IDF vector: word features then character n-grams, each block L2-normalised
/// on its own and scaled by its weight (like scikit-learn's `FeatureUnion` of two
/// `TfidfVectorizer`s), so word indices come first and the vector stays sorted.
struct TfidfVectorizer: Sendable {
    let extractor: NGramExtractor
    let words: TfidfVocabulary
    let characters: TfidfVocabulary
    let sublinearTF: Bool
    let wordWeight: Float
    let characterWeight: Float

    var featureCount: Int { words.count + characters.count }

    /// Buffers reused from one text to the next.
    struct Scratch {
        var folded: [UInt32] = []
        var wordKeys: [UInt64] = []
        var characterKeys: [UInt64] = []
        var words = NGramExtractor.Words()
        var indices: [Int32] = []

        init() {
            folded.reserveCapacity(256)
            wordKeys.reserveCapacity(128)
            characterKeys.reserveCapacity(1024)
            words.tokens.reserveCapacity(64)
            words.prefixes.reserveCapacity(64)
            indices.reserveCapacity(1024)
        }

        mutating func extract(_ text: String, with extractor: NGramExtractor) {
            folded.removeAll(keepingCapacity: true)
            wordKeys.removeAll(keepingCapacity: true)
            characterKeys.removeAll(keepingCapacity: true)
            TextNormalization.fold(text, into: &folded)
            folded.withUnsafeBufferPointer { folded in
                extractor.appendWordKeys(of: folded, to: &wordKeys, words: &words)
                extractor.appendCharacterKeys(of: folded, to: &characterKeys)
            }
        }
    }

    /// Fits the vocabularies on `texts` and returns them with the texts' vectors, one row each.
    static func fit(
        texts: [String],
        extractor: NGramExtractor,
        minimumDocumentFrequency: Int,
        sublinearTF: Bool,
        wordWeight: Float,
        characterWeight: Float
    ) -> (TfidfVectorizer, SparseMatrix) {
        var scratch = Scratch()
        var wordDocuments: [[UInt64]] = []
        var characterDocuments: [[UInt64]] = []
        wordDocuments.reserveCapacity(texts.count)
        characterDocuments.reserveCapacity(texts.count)
        for text in texts {
            scratch.extract(text, with: extractor)
            wordDocuments.append(scratch.wordKeys)
            characterDocuments.append(scratch.characterKeys)
        }
        let vectorizer = TfidfVectorizer(
            extractor: extractor,
            words: TfidfVocabulary(documents: wordDocuments, minimumDocumentFrequency: minimumDocumentFrequency),
            characters: TfidfVocabulary(documents: characterDocuments, minimumDocumentFrequency: minimumDocumentFrequency),
            sublinearTF: sublinearTF,
            wordWeight: wordWeight,
            characterWeight: characterWeight
        )
        var matrix = SparseMatrix(columnCount: vectorizer.featureCount)
        var row = SparseVector()
        for index in texts.indices {
            row.indices.removeAll(keepingCapacity: true)
            row.values.removeAll(keepingCapacity: true)
            vectorizer.append(wordKeys: wordDocuments[index], characterKeys: characterDocuments[index], to: &row, scratch: &scratch.indices)
            matrix.append(row)
        }
        return (vectorizer, matrix)
    }

    func vector(for text: String, scratch: inout Scratch) -> SparseVector {
        scratch.extract(text, with: extractor)
        var vector = SparseVector()
        vector.indices.reserveCapacity(scratch.wordKeys.count + scratch.characterKeys.count)
        vector.values.reserveCapacity(scratch.wordKeys.count + scratch.characterKeys.count)
        append(wordKeys: scratch.wordKeys, characterKeys: scratch.characterKeys, to: &vector, scratch: &scratch.indices)
        return vector
    }

    private func append(wordKeys: [UInt64], characterKeys: [UInt64], to vector: inout SparseVector, scratch: inout [Int32]) {
        words.append(keys: wordKeys, sublinearTF: sublinearTF, norm: wordWeight, offset: 0, to: &vector, scratch: &scratch)
        characters.append(
            keys: characterKeys,
            sublinearTF: sublinearTF,
            norm: characterWeight,
            offset: Int32(words.count),
            to: &vector,
            scratch: &scratch
        )
    }
}
