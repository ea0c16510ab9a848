import CarteiroDomain
import Dispatch

/// Trains one binary SVM per class (that class against the rest), the classes in parallel.
/// Each class draws from its own generator seeded from `seed` and the class, so the result does
/// not depend on scheduling.
struct OneVsRestTrainer: Sendable {
    var solver: DualCoordinateDescent
    var seed: UInt64

    func train(_ x: SparseMatrix, labels: [Int], classCount: Int) -> LinearModel {
        let featureCount = x.columnCount
        let squaredNorms = x.squaredRowNorms()
        let output = Output(featureCount: featureCount, classCount: classCount)
        defer { output.deallocate() }
        DispatchQueue.concurrentPerform(iterations: classCount) { label in
            let binary = labels.map { $0 == label ? Int8(1) : Int8(-1) }
            var generator = SplitMix64(seed: seed ^ (UInt64(label) &* 0x9E37_79B9_7F4A_7C15))
            let weights = solver.solve(x, squaredNorms: squaredNorms, labels: binary, generator: &generator)
            output.write(weights, label: label, bias: solver.bias)
        }
        return LinearModel(
            classCount: classCount,
            featureCount: featureCount,
            weights: Array(output.weights),
            biases: Array(output.biases)
        )
    }
}

/// The shared weight matrix the per-class workers write into.
// @unchecked Sendable: every worker writes only the elements of its own class (`label`), and the
// buffers are read only after `concurrentPerform` has returned.
private struct Output: @unchecked Sendable {
    let weights: UnsafeMutableBufferPointer<Float>
    let biases: UnsafeMutableBufferPointer<Float>
    let classCount: Int

    init(featureCount: Int, classCount: Int) {
        weights = .allocate(capacity: featureCount * classCount)
        biases = .allocate(capacity: classCount)
        self.classCount = classCount
    }

    func deallocate() {
        weights.deallocate()
        biases.deallocate()
    }

    /// Stores one class's solution: feature weights into its column, the bias weight times the
    /// bias feature's value as its bias.
    func write(_ solution: [Float], label: Int, bias: Double) {
        let featureCount = solution.count - 1
        for feature in 0..<featureCount {
            weights[feature * classCount + label] = solution[feature]
        }
        biases[label] = Float(Double(solution[featureCount]) * bias)
    }
}
