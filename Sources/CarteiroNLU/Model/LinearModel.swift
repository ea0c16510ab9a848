/// One weight vector per class, stored feature-major (`weights[feature * classCount + class]`)
/// so that scoring a sparse vector reads one contiguous run of weights per feature.
struct LinearModel: Sendable {
    let classCount: Int
    let featureCount: Int
    let weights: [Float]
    let biases: [Float]

    /// Decision scores of `x` for every class.
    func scores(for x: SparseVector) -> [Float] {
        var scores = biases
        let classCount = classCount
        scores.withUnsafeMutableBufferPointer { scores in
            weights.withUnsafeBufferPointer { weights in
                x.indices.withUnsafeBufferPointer { indices in
                    x.values.withUnsafeBufferPointer { values in
                        for entry in indices.indices {
                            let row = UnsafeBufferPointer(rebasing: weights[(Int(indices[entry]) * classCount)...])
                            let value = values[entry]
                            for label in 0..<classCount { scores[label] += value * row[label] }
                        }
                    }
                }
            }
        }
        return scores
    }
}
