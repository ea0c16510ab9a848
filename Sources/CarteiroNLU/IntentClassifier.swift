/// Tells which intent an utterance expresses, or that it expresses none the bot knows.
///
/// Text is normalised (`TextNormalization`), described by TF-IDF weighted word and character
/// n-grams, and scored by one linear SVM per intent. An intent's confidence is its softmax
/// probability over the scores divided by a temperature fitted on held-out examples, with one
/// more option of score 0 (every SVM's decision boundary) for "none of these": text that no
/// intent's SVM claims gets a low confidence however the intents rank among themselves.
public struct IntentClassifier: Sendable {
    /// The intents the classifier knows, sorted.
    public let intents: [String]
    /// The T in `softmax(scores / T)`; smaller means more confident.
    public let temperature: Double
    /// `classify` answers `nil` below this confidence.
    public var confidenceThreshold: Double
    let vectorizer: TfidfVectorizer
    let model: LinearModel

    /// Trains on labelled utterances. The same examples and configuration always give the same
    /// classifier.
    public static func train(
        examples: [(text: String, intent: String)],
        configuration: Configuration = Configuration()
    ) throws(IntentClassifierError) -> IntentClassifier {
        try configuration.validate()
        let intents = Set(examples.map(\.intent)).sorted()
        guard intents.count >= 2 else {
            throw IntentClassifierError(.tooFewIntents, field: "examples", "needs examples of at least two intents, got \(intents.count)")
        }
        let labelOf = Dictionary(uniqueKeysWithValues: intents.enumerated().map { ($1, $0) })
        let labels = examples.map { labelOf[$0.intent]! }
        let (vectorizer, matrix) = TfidfVectorizer.fit(
            texts: examples.map(\.text),
            extractor: NGramExtractor(
                wordNGrams: configuration.wordNGrams,
                wordPairDistance: configuration.wordPairDistance,
                wordPrefixLength: configuration.wordPrefixLength,
                characterNGrams: configuration.characterNGrams
            ),
            minimumDocumentFrequency: configuration.minimumDocumentFrequency,
            sublinearTF: configuration.sublinearTF,
            wordWeight: Float(configuration.wordWeight),
            characterWeight: Float(configuration.characterWeight)
        )
        guard vectorizer.featureCount > 0 else {
            throw IntentClassifierError(.emptyVocabulary, field: "examples", "no example has a word or character n-gram to learn from")
        }
        let solver = DualCoordinateDescent(
            cost: configuration.cost,
            loss: configuration.loss,
            tolerance: configuration.tolerance,
            maximumIterations: configuration.maximumIterations
        )
        let model = OneVsRestTrainer(solver: solver, seed: configuration.seed).train(matrix, labels: labels, classCount: intents.count)
        let temperature =
            switch configuration.temperature {
            case .fixed(let value): value
            case .crossValidated(let folds, let fallback):
                calibratedTemperature(
                    matrix,
                    labels: labels,
                    classCount: intents.count,
                    solver: solver,
                    folds: folds,
                    fallback: fallback,
                    seed: configuration.seed
                )
            }
        return IntentClassifier(
            intents: intents,
            temperature: temperature,
            confidenceThreshold: configuration.confidenceThreshold,
            vectorizer: vectorizer,
            model: model
        )
    }

    public static func train(
        examples: [LabeledUtterance],
        configuration: Configuration = Configuration()
    ) throws(IntentClassifierError) -> IntentClassifier {
        try train(examples: examples.map { (text: $0.text, intent: $0.intent) }, configuration: configuration)
    }

    /// The intent of `text` with its confidence in 0...1; the intent is `nil` when the confidence
    /// is below `confidenceThreshold` (out of scope).
    public func classify(_ text: String) -> (intent: String?, confidence: Double) {
        let best = prediction(for: text)
        return (best.confidence >= confidenceThreshold ? best.intent : nil, best.confidence)
    }

    /// The most likely intent of `text`, whatever its confidence. A text with no n-gram the
    /// classifier has seen gets confidence 0.
    public func prediction(for text: String) -> IntentPrediction {
        ranking(for: text, limit: 1)[0]
    }

    /// The intents by decreasing confidence, at most `limit` of them.
    public func ranking(for text: String, limit: Int = .max) -> [IntentPrediction] {
        var scratch = TfidfVectorizer.Scratch()
        let vector = vectorizer.vector(for: text, scratch: &scratch)
        let scores = model.scores(for: vector)
        let probabilities =
            vector.isEmpty
            ? [Double](repeating: 0, count: scores.count)
            : TemperatureCalibration.probabilities(scores, temperature: temperature)
        if limit == 1 {
            let best = scores.indices.max { scores[$0] < scores[$1] }!
            return [IntentPrediction(intent: intents[best], confidence: probabilities[best])]
        }
        return scores.indices
            .sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
            .prefix(limit)
            .map { IntentPrediction(intent: intents[$0], confidence: probabilities[$0]) }
    }

    /// Held-out scores enough to fit one parameter; past them, no more folds are trained.
    static let calibrationSampleSize = 2000

    /// T fitted to out-of-fold scores: the training rows are split into stratified folds and each
    /// fold is scored by a model trained on the others, until `calibrationSampleSize` rows have
    /// been scored (a single fold of a large training set). The vocabulary is the full one; a
    /// held-out row's n-grams that its fold never saw simply have zero weight in that fold's model.
    private static func calibratedTemperature(
        _ matrix: SparseMatrix,
        labels: [Int],
        classCount: Int,
        solver: DualCoordinateDescent,
        folds: Int,
        fallback: Double,
        seed: UInt64
    ) -> Double {
        let foldOf = StratifiedFolds.assign(labels: labels, folds: folds, seed: seed)
        var heldOutScores: [[Float]] = []
        var heldOutLabels: [Int] = []
        for fold in 0..<folds where heldOutLabels.count < calibrationSampleSize {
            let trainingRows = labels.indices.filter { foldOf[$0] != fold }
            let trainingLabels = trainingRows.map { labels[$0] }
            let trainedClasses = Set(trainingLabels)
            guard trainedClasses.count >= 2 else { continue }
            let model = OneVsRestTrainer(solver: solver, seed: seed &+ UInt64(fold + 1))
                .train(matrix.selecting(rows: trainingRows), labels: trainingLabels, classCount: classCount)
            for row in labels.indices where foldOf[row] == fold && trainedClasses.contains(labels[row]) {
                heldOutScores.append(model.scores(for: matrix.row(row)))
                heldOutLabels.append(labels[row])
            }
        }
        guard heldOutLabels.count >= 10 else { return fallback }
        return TemperatureCalibration.fit(scores: heldOutScores, labels: heldOutLabels)
    }
}

/// An intent with the classifier's confidence in it, in 0...1.
public struct IntentPrediction: Sendable, Hashable, Codable {
    public let intent: String
    public let confidence: Double

    public init(intent: String, confidence: Double) {
        self.intent = intent
        self.confidence = confidence
    }
}
