import CarteiroDomain

/// A binary L2-regularised linear SVM solved in the dual by coordinate descent with shrinking,
/// as LIBLINEAR's `solve_l2r_l1l2_svc` (Hsieh et al., ICML 2008). A constant feature of value
/// `bias` is appended to every row and regularised like the others (LIBLINEAR's `-B`).
struct DualCoordinateDescent: Sendable, Hashable {
    var cost: Double
    var loss: IntentClassifier.Loss
    var tolerance: Double
    var maximumIterations: Int
    var bias: Double = 1

    /// Weights for `x.columnCount` features followed by the bias weight, for rows `x` with
    /// `labels` holding +1 or -1 per row; `squaredNorms` is the squared L2 norm of each row
    /// without the bias.
    func solve(_ x: SparseMatrix, squaredNorms: [Double], labels: [Int8], generator: inout SplitMix64) -> [Float] {
        var weights = [Float](repeating: 0, count: x.columnCount + 1)
        guard x.rowCount > 0 else { return weights }
        let alpha = UnsafeMutableBufferPointer<Double>.allocate(capacity: x.rowCount)
        alpha.initialize(repeating: 0)
        let order = UnsafeMutableBufferPointer<Int32>.allocate(capacity: x.rowCount)
        _ = order.initialize(from: 0..<Int32(x.rowCount))
        defer {
            alpha.deallocate()
            order.deallocate()
        }
        weights.withUnsafeMutableBufferPointer { weights in
            x.withUnsafeRows { rows in
                squaredNorms.withUnsafeBufferPointer { squaredNorms in
                    labels.withUnsafeBufferPointer { labels in
                        descend(
                            rows: rows,
                            squaredNorms: squaredNorms,
                            labels: labels,
                            weights: weights,
                            alpha: alpha,
                            order: order,
                            generator: &generator
                        )
                    }
                }
            }
        }
        return weights
    }

    private func descend(
        rows: SparseMatrix.UnsafeRows,
        squaredNorms: UnsafeBufferPointer<Double>,
        labels: UnsafeBufferPointer<Int8>,
        weights w: UnsafeMutableBufferPointer<Float>,
        alpha: UnsafeMutableBufferPointer<Double>,
        order: UnsafeMutableBufferPointer<Int32>,
        generator: inout SplitMix64
    ) {
        let rowCount = labels.count
        let biasIndex = w.count - 1
        let (diagonal, upperBound) =
            switch loss {
            case .hinge: (0.0, cost)
            case .squaredHinge: (0.5 / cost, Double.infinity)
            }
        let biasSquared = bias * bias
        var activeCount = rowCount
        var projectedMaxOld = Double.infinity
        var projectedMinOld = -Double.infinity

        for _ in 0..<maximumIterations {
            var projectedMaxNew = -Double.infinity
            var projectedMinNew = Double.infinity
            for position in 0..<activeCount {
                order.swapAt(position, position + Int(generator.next(upperBound: UInt64(activeCount - position))))
            }
            var position = 0
            while position < activeCount {
                let row = Int(order[position])
                let label = Double(labels[row])
                let entries = rows.rowStarts[row]..<rows.rowStarts[row + 1]
                let dot = Double(Self.dot(w, rows, entries)) + Double(w[biasIndex]) * bias
                let gradient = label * dot - 1 + alpha[row] * diagonal
                var projected = 0.0
                if alpha[row] == 0 {
                    if gradient > projectedMaxOld {
                        activeCount -= 1
                        order.swapAt(position, activeCount)
                        continue
                    }
                    projected = min(gradient, 0)
                } else if alpha[row] == upperBound {
                    if gradient < projectedMinOld {
                        activeCount -= 1
                        order.swapAt(position, activeCount)
                        continue
                    }
                    projected = max(gradient, 0)
                } else {
                    projected = gradient
                }
                projectedMaxNew = max(projectedMaxNew, projected)
                projectedMinNew = min(projectedMinNew, projected)
                if abs(projected) > 1e-12 {
                    let old = alpha[row]
                    alpha[row] = min(max(old - gradient / (diagonal + squaredNorms[row] + biasSquared), 0), upperBound)
                    let step = (alpha[row] - old) * label
                    let floatStep = Float(step)
                    for entry in entries {
                        w[Int(rows.indices[entry])] += floatStep * rows.values[entry]
                    }
                    w[biasIndex] += Float(step * bias)
                }
                position += 1
            }
            if projectedMaxNew - projectedMinNew <= tolerance {
                if activeCount == rowCount { return }
                activeCount = rowCount
                projectedMaxOld = .infinity
                projectedMinOld = -.infinity
                continue
            }
            projectedMaxOld = projectedMaxNew > 0 ? projectedMaxNew : .infinity
            projectedMinOld = projectedMinNew < 0 ? projectedMinNew : -.infinity
        }
    }

    /// The dot product of `w` with the row at `entries`, in four independent sums so that the
    /// additions overlap instead of waiting for each other.
    @inline(__always)
    private static func dot(_ w: UnsafeMutableBufferPointer<Float>, _ rows: SparseMatrix.UnsafeRows, _ entries: Range<Int>) -> Float {
        var sums: (Float, Float, Float, Float) = (0, 0, 0, 0)
        var entry = entries.lowerBound
        while entry + 4 <= entries.upperBound {
            sums.0 += w[Int(rows.indices[entry])] * rows.values[entry]
            sums.1 += w[Int(rows.indices[entry + 1])] * rows.values[entry + 1]
            sums.2 += w[Int(rows.indices[entry + 2])] * rows.values[entry + 2]
            sums.3 += w[Int(rows.indices[entry + 3])] * rows.values[entry + 3]
            entry += 4
        }
        while entry < entries.upperBound {
            sums.0 += w[Int(rows.indices[entry])] * rows.values[entry]
            entry += 1
        }
        return (sums.0 + sums.1) + (sums.2 + sums.3)
    }
}
