/// How well predicted intents match the true ones: accuracy, macro-averaged F1 and one row per
/// intent. A `nil` prediction (out of scope) counts as wrong.
public struct IntentEvaluation: Sendable, Hashable, Codable {
    /// Precision, recall and F1 of one intent, with its number of true examples.
    public struct Row: Sendable, Hashable, Codable {
        public let intent: String
        public let precision: Double
        public let recall: Double
        public let f1: Double
        public let support: Int
    }

    public let accuracy: Double
    /// The unweighted mean of the per-intent F1 scores.
    public let macroF1: Double
    /// One row per intent that is true or predicted somewhere, sorted by intent.
    public let rows: [Row]
    public let exampleCount: Int

    public init(truth: [String], predicted: [String?]) {
        precondition(truth.count == predicted.count, "one prediction per true intent")
        var support: [String: Int] = [:]
        var predictedCount: [String: Int] = [:]
        var correct: [String: Int] = [:]
        for (actual, guess) in zip(truth, predicted) {
            support[actual, default: 0] += 1
            guard let guess else { continue }
            predictedCount[guess, default: 0] += 1
            if guess == actual { correct[actual, default: 0] += 1 }
        }
        let intents = Set(support.keys).union(predictedCount.keys).sorted()
        rows = intents.map { intent in
            let hits = Double(correct[intent] ?? 0)
            let precision = predictedCount[intent].map { hits / Double($0) } ?? 0
            let recall = support[intent].map { hits / Double($0) } ?? 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            return Row(intent: intent, precision: precision, recall: recall, f1: f1, support: support[intent] ?? 0)
        }
        exampleCount = truth.count
        accuracy = truth.isEmpty ? 0 : Double(correct.values.reduce(0, +)) / Double(truth.count)
        macroF1 = rows.isEmpty ? 0 : rows.map(\.f1).reduce(0, +) / Double(rows.count)
    }
}
