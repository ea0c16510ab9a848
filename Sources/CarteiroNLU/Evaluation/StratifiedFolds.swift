import CarteiroDomain

/// Splits examples into folds that each hold about the same share of every class.
enum StratifiedFolds {
    /// The fold (0..<folds) of every example: each class's examples are shuffled with `seed` and
    /// dealt round-robin, continuing from where the previous class stopped so fold sizes even out.
    static func assign(labels: [Int], folds: Int, seed: UInt64) -> [Int] {
        var generator = SplitMix64(seed: seed)
        var byClass: [Int: [Int]] = [:]
        for (index, label) in labels.enumerated() { byClass[label, default: []].append(index) }
        var fold = [Int](repeating: 0, count: labels.count)
        var next = 0
        for label in byClass.keys.sorted() {
            var members = byClass[label]!
            members.shuffle(using: &generator)
            for member in members {
                fold[member] = next
                next = (next + 1) % folds
            }
        }
        return fold
    }
}
