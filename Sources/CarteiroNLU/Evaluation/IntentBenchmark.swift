/// Trains on one labelled set and measures on another: quality (`IntentEvaluation`), training
/// time, and classification time per utterance.
public struct IntentBenchmark: Sendable, Codable {
    public let evaluation: IntentEvaluation
    public let trainingSeconds: Double
    /// Mean time to classify one test utterance, raw text to intent, on one thread; the best of
    /// `timingPasses` passes over the test set, after an untimed pass.
    public let microsecondsPerUtterance: Double
    /// Share of the test utterances whose confidence reaches the configuration's threshold, so
    /// that `classify` names an intent rather than calling them out of scope.
    public let answeredShare: Double
    /// Accuracy over those answered utterances alone.
    public let answeredAccuracy: Double
    /// The fitted temperature.
    public let temperature: Double
    public let trainingExampleCount: Int
    public let configuration: IntentClassifier.Configuration

    /// Trains with `configuration`, then predicts the most likely intent of every test utterance
    /// (ignoring the confidence threshold: every test utterance is in scope).
    public static func run(
        training: [LabeledUtterance],
        test: [LabeledUtterance],
        configuration: IntentClassifier.Configuration = .init(),
        timingPasses: Int = 3,
        clock: some Clock<Duration> = ContinuousClock()
    ) throws(IntentClassifierError) -> IntentBenchmark {
        let start = clock.now
        let classifier = try IntentClassifier.train(examples: training, configuration: configuration)
        let trainingTime = start.duration(to: clock.now)

        let predictions = test.map { classifier.prediction(for: $0.text) }
        let answered = zip(predictions, test).filter { $0.0.confidence >= classifier.confidenceThreshold }
        let answeredCorrectly = answered.filter { $0.0.intent == $0.1.intent }.count
        var best = Duration.seconds(Int64.max)
        for _ in 0..<max(timingPasses, 1) {
            let passStart = clock.now
            for utterance in test { _ = classifier.classify(utterance.text) }
            best = min(best, passStart.duration(to: clock.now))
        }
        return IntentBenchmark(
            evaluation: IntentEvaluation(truth: test.map(\.intent), predicted: predictions.map(\.intent)),
            trainingSeconds: trainingTime.seconds,
            microsecondsPerUtterance: test.isEmpty ? 0 : best.seconds * 1e6 / Double(test.count),
            answeredShare: test.isEmpty ? 0 : Double(answered.count) / Double(test.count),
            answeredAccuracy: answered.isEmpty ? 0 : Double(answeredCorrectly) / Double(answered.count),
            temperature: classifier.temperature,
            trainingExampleCount: training.count,
            configuration: configuration
        )
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
