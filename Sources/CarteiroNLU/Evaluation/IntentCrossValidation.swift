/// k-fold cross-validation of a configuration on labelled utterances: the way to choose
/// hyper-parameters without looking at a test set.
public struct IntentCrossValidation: Sendable, Codable {
    /// Accuracy of each fold's model on its held-out fold.
    public let foldAccuracies: [Double]
    /// The evaluation of all out-of-fold predictions together.
    public let evaluation: IntentEvaluation

    public var accuracy: Double { evaluation.accuracy }

    /// Splits `examples` into `folds` stratified folds (seeded by `configuration.seed`), trains on
    /// all folds but one and predicts the most likely intent of the one left out, for each fold.
    /// Temperature calibration is skipped: it does not change the most likely intent.
    public static func run(
        examples: [LabeledUtterance],
        folds: Int = 5,
        configuration: IntentClassifier.Configuration = .init()
    ) throws(IntentClassifierError) -> IntentCrossValidation {
        guard folds >= 2 else {
            throw IntentClassifierError(.invalidConfiguration, field: "folds", "cross-validation needs at least two folds, not \(folds)")
        }
        let intents = Set(examples.map(\.intent)).sorted()
        let labelOf = Dictionary(uniqueKeysWithValues: intents.enumerated().map { ($1, $0) })
        let foldOf = StratifiedFolds.assign(labels: examples.map { labelOf[$0.intent]! }, folds: folds, seed: configuration.seed)
        var fast = configuration
        fast.temperature = .fixed(1)

        var predicted = [String?](repeating: nil, count: examples.count)
        var foldAccuracies: [Double] = []
        for fold in 0..<folds {
            let training = examples.indices.filter { foldOf[$0] != fold }.map { examples[$0] }
            let heldOut = examples.indices.filter { foldOf[$0] == fold }
            let classifier = try IntentClassifier.train(examples: training, configuration: fast)
            var correct = 0
            for index in heldOut {
                let intent = classifier.prediction(for: examples[index].text).intent
                predicted[index] = intent
                if intent == examples[index].intent { correct += 1 }
            }
            foldAccuracies.append(heldOut.isEmpty ? 0 : Double(correct) / Double(heldOut.count))
        }
        return IntentCrossValidation(
            foldAccuracies: foldAccuracies,
            evaluation: IntentEvaluation(truth: examples.map(\.intent), predicted: predicted)
        )
    }
}
