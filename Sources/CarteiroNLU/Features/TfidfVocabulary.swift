import Foundation

/// The n-grams of one kind (words or characters) seen in training, each with its inverse
/// document frequency `ln((1 + n) / (1 + df)) + 1` (scikit-learn's smoothed idf).
struct TfidfVocabulary: Sendable {
    private(set) var table: FeatureTable
    private(set) var idf: [Float]

    var count: Int { idf.count }

    /// Keeps the keys found in at least `minimumDocumentFrequency` documents, indexed by
    /// decreasing document frequency, ties in the order keys were first seen, so the same
    /// documents always give the same vocabulary.
    init(documents: [[UInt64]], minimumDocumentFrequency: Int) {
        var provisional = FeatureTable(minimumCapacity: 1 << 14)
        var frequencies: [Int32] = []
        var sorted: [UInt64] = []
        for keys in documents {
            sorted.removeAll(keepingCapacity: true)
            sorted.append(contentsOf: keys)
            sorted.sort()
            var previous: UInt64? = nil
            for key in sorted where key != previous {
                previous = key
                let index = provisional.index(of: key, insertingIfAbsent: Int32(frequencies.count))
                if Int(index) == frequencies.count {
                    frequencies.append(1)
                } else {
                    frequencies[Int(index)] += 1
                }
            }
        }

        // Frequent n-grams get the low indices: they occur in most rows, and keeping their
        // weights together keeps the solver's and the scorer's reads in fewer cache lines.
        let kept = frequencies.indices
            .filter { Int(frequencies[$0]) >= minimumDocumentFrequency }
            .sorted { frequencies[$0] > frequencies[$1] || (frequencies[$0] == frequencies[$1] && $0 < $1) }
        var finalIndex = [Int32](repeating: -1, count: frequencies.count)
        var idf: [Float] = []
        idf.reserveCapacity(kept.count)
        let documentCount = Double(documents.count)
        for index in kept {
            finalIndex[index] = Int32(idf.count)
            idf.append(Float(log((1 + documentCount) / (1 + Double(frequencies[index]))) + 1))
        }
        var table = FeatureTable(minimumCapacity: idf.count)
        provisional.forEach { key, index in
            let kept = finalIndex[Int(index)]
            if kept >= 0 { _ = table.index(of: key, insertingIfAbsent: kept) }
        }
        self.table = table
        self.idf = idf
    }

    /// Appends the TF-IDF weights of `keys` to `vector`, L2-normalised and scaled to `norm`, at
    /// indices shifted by `offset`. Keys outside the vocabulary are ignored.
    func append(
        keys: [UInt64],
        sublinearTF: Bool,
        norm: Float,
        offset: Int32,
        to vector: inout SparseVector,
        scratch indices: inout [Int32]
    ) {
        indices.removeAll(keepingCapacity: true)
        for key in keys {
            let index = table.index(of: key)
            if index >= 0 { indices.append(index) }
        }
        guard !indices.isEmpty else { return }
        indices.sort()

        let first = vector.values.count
        var sumOfSquares: Float = 0
        idf.withUnsafeBufferPointer { idf in
            var position = 0
            while position < indices.count {
                let index = indices[position]
                var run = position + 1
                while run < indices.count && indices[run] == index { run += 1 }
                let count = Float(run - position)
                let tf = sublinearTF ? 1 + logf(count) : count
                let value = tf * idf[Int(index)]
                vector.indices.append(index + offset)
                vector.values.append(value)
                sumOfSquares += value * value
                position = run
            }
        }
        let scale = norm / sumOfSquares.squareRoot()
        for position in first..<vector.values.count { vector.values[position] *= scale }
    }
}
