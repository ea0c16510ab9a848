/// Feature indices in increasing order, each with its value.
struct SparseVector: Sendable, Hashable {
    var indices: [Int32] = []
    var values: [Float] = []

    var isEmpty: Bool { indices.isEmpty }
}

/// Sparse rows stored back to back (compressed sparse rows).
struct SparseMatrix: Sendable {
    private(set) var rowStarts: [Int] = [0]
    private(set) var indices: [Int32] = []
    private(set) var values: [Float] = []
    let columnCount: Int

    init(columnCount: Int) {
        self.columnCount = columnCount
    }

    var rowCount: Int { rowStarts.count - 1 }

    mutating func append(_ row: SparseVector) {
        indices.append(contentsOf: row.indices)
        values.append(contentsOf: row.values)
        rowStarts.append(indices.count)
    }

    /// The rows at `rows`, in that order.
    func selecting(rows: [Int]) -> SparseMatrix {
        var subset = SparseMatrix(columnCount: columnCount)
        for row in rows {
            let range = rowStarts[row]..<rowStarts[row + 1]
            subset.indices.append(contentsOf: indices[range])
            subset.values.append(contentsOf: values[range])
            subset.rowStarts.append(subset.indices.count)
        }
        return subset
    }

    func row(_ row: Int) -> SparseVector {
        let range = rowStarts[row]..<rowStarts[row + 1]
        return SparseVector(indices: Array(indices[range]), values: Array(values[range]))
    }
}

extension SparseMatrix {
    /// Read-only pointers to the rows, for hot loops.
    struct UnsafeRows {
        let rowStarts: UnsafeBufferPointer<Int>
        let indices: UnsafeBufferPointer<Int32>
        let values: UnsafeBufferPointer<Float>
    }

    func withUnsafeRows<Result>(_ body: (UnsafeRows) -> Result) -> Result {
        rowStarts.withUnsafeBufferPointer { rowStarts in
            indices.withUnsafeBufferPointer { indices in
                values.withUnsafeBufferPointer { values in
                    body(UnsafeRows(rowStarts: rowStarts, indices: indices, values: values))
                }
            }
        }
    }

    /// The squared L2 norm of every row.
    func squaredRowNorms() -> [Double] {
        (0..<rowCount).map { row in
            values[rowStarts[row]..<rowStarts[row + 1]].reduce(0.0) { $0 + Double($1) * Double($1) }
        }
    }
}
