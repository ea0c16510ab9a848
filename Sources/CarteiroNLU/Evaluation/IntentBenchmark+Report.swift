import Foundation

extension IntentBenchmark {
    /// The figures and the per-intent table as plain text, one `name: value` per line first.
    public func textReport() -> String {
        var lines = [
            "accuracy: \(format(evaluation.accuracy, 4))",
            "macro-F1: \(format(evaluation.macroF1, 4))",
            "training seconds: \(format(trainingSeconds, 3))",
            "µs/utterance: \(format(microsecondsPerUtterance, 1))",
            "answered at confidence ≥ \(format(configuration.confidenceThreshold, 2)): \(format(answeredShare * 100, 1))% "
                + "(accuracy \(format(answeredAccuracy, 4)); temperature \(format(temperature, 4)))",
            "",
        ]
        let width = max(evaluation.rows.map(\.intent.count).max() ?? 0, "intent".count)
        func pad(_ text: String) -> String { text + String(repeating: " ", count: width - text.count) }
        lines.append("\(pad("intent"))  precision  recall  f1      support")
        for row in evaluation.rows {
            lines.append(
                "\(pad(row.intent))  \(format(row.precision, 4))     \(format(row.recall, 4))  \(format(row.f1, 4))  \(row.support)"
            )
        }
        return lines.joined(separator: "\n")
    }

    /// The benchmark as pretty-printed JSON with sorted keys.
    public func jsonReport() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Encoding plain structs of numbers and strings cannot fail.
        let data = try! encoder.encode(self)
        return String(decoding: data, as: UTF8.self)
    }

    private func format(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}
