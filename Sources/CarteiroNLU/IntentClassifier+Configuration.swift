extension IntentClassifier {
    /// The loss of the linear SVM.
    public enum Loss: String, Sendable, Hashable, Codable {
        /// max(0, 1 - y·w·x): LIBLINEAR `-s 3`.
        case hinge
        /// max(0, 1 - y·w·x)²: LIBLINEAR `-s 1`, scikit-learn `LinearSVC`'s default.
        case squaredHinge
    }

    /// The T in `softmax(scores / T)`, which turns decision scores into confidences.
    public enum Temperature: Sendable, Hashable, Codable {
        /// Use this T.
        case fixed(Double)
        /// Fit T to the scores of training examples held out in stratified folds: one extra
        /// training on the other folds, more only while fewer than 2,000 examples have been
        /// scored. Falls back to `fallback` when fewer than 10 examples could be scored.
        case crossValidated(folds: Int, fallback: Double)
    }

    /// Features, solver and confidence settings. The feature and solver defaults were chosen by
    /// 5-fold cross-validation on the Banking77 training set (its test set played no part).
    public struct Configuration: Sendable, Hashable, Codable {
        /// Word n-gram lengths; `nil` for no word features (and no word pairs or prefixes).
        public var wordNGrams: ClosedRange<Int>?
        /// Also unordered pairs of words at most this many positions apart ("card … arrive"); 0 for none.
        public var wordPairDistance: Int
        /// Also unigrams and bigrams of the first this many characters of each word, a crude
        /// stemmer that works for any language ("cancelar", "cancelamento" → "can"); 0 for none.
        public var wordPrefixLength: Int
        /// Character n-gram lengths within words padded by a space; `nil` for no character features.
        public var characterNGrams: ClosedRange<Int>?
        /// Term frequency `1 + ln(tf)` instead of `tf`.
        public var sublinearTF: Bool
        /// N-grams found in fewer training examples than this are dropped.
        public var minimumDocumentFrequency: Int
        /// Length of the (L2-normalised) word block of a vector.
        public var wordWeight: Double
        /// Length of the (L2-normalised) character block of a vector.
        public var characterWeight: Double
        /// The SVM's C: larger fits the training examples more closely.
        public var cost: Double
        public var loss: Loss
        /// Stopping tolerance on the projected gradient (LIBLINEAR's `-e`).
        public var tolerance: Double
        /// Passes over the examples per class before giving up on the tolerance.
        public var maximumIterations: Int
        /// Seeds every random choice (example order, calibration folds), so training is repeatable.
        public var seed: UInt64
        public var temperature: Temperature
        /// `classify` answers `nil` below this confidence.
        public var confidenceThreshold: Double

        public init(
            wordNGrams: ClosedRange<Int>? = 1...2,
            wordPairDistance: Int = 3,
            wordPrefixLength: Int = 3,
            characterNGrams: ClosedRange<Int>? = 2...5,
            sublinearTF: Bool = true,
            minimumDocumentFrequency: Int = 1,
            wordWeight: Double = 1,
            characterWeight: Double = 1,
            cost: Double = 1,
            loss: Loss = .squaredHinge,
            tolerance: Double = 0.1,
            maximumIterations: Int = 1000,
            seed: UInt64 = 0x0C0F_FEE5,
            temperature: Temperature = .crossValidated(folds: 3, fallback: 0.1),
            confidenceThreshold: Double = 0.5
        ) {
            self.wordNGrams = wordNGrams
            self.wordPairDistance = wordPairDistance
            self.wordPrefixLength = wordPrefixLength
            self.characterNGrams = characterNGrams
            self.sublinearTF = sublinearTF
            self.minimumDocumentFrequency = minimumDocumentFrequency
            self.wordWeight = wordWeight
            self.characterWeight = characterWeight
            self.cost = cost
            self.loss = loss
            self.tolerance = tolerance
            self.maximumIterations = maximumIterations
            self.seed = seed
            self.temperature = temperature
            self.confidenceThreshold = confidenceThreshold
        }

        func validate() throws(IntentClassifierError) {
            func fail(_ field: String, _ message: String) -> IntentClassifierError {
                IntentClassifierError(.invalidConfiguration, field: field, message)
            }
            if wordNGrams == nil && characterNGrams == nil {
                throw fail("wordNGrams", "at least one of wordNGrams and characterNGrams must be set")
            }
            if let range = wordNGrams, range.lowerBound < 1 { throw fail("wordNGrams", "n-gram lengths start at 1, not \(range.lowerBound)") }
            if let range = characterNGrams, range.lowerBound < 1 {
                throw fail("characterNGrams", "n-gram lengths start at 1, not \(range.lowerBound)")
            }
            if wordPairDistance < 0 { throw fail("wordPairDistance", "must be 0 or more") }
            if wordPrefixLength < 0 { throw fail("wordPrefixLength", "must be 0 or more") }
            if minimumDocumentFrequency < 1 { throw fail("minimumDocumentFrequency", "must be at least 1") }
            if !(wordWeight > 0 && wordWeight.isFinite) { throw fail("wordWeight", "must be a positive number") }
            if !(characterWeight > 0 && characterWeight.isFinite) { throw fail("characterWeight", "must be a positive number") }
            if !(cost > 0 && cost.isFinite) { throw fail("cost", "must be a positive number") }
            if !(tolerance > 0 && tolerance.isFinite) { throw fail("tolerance", "must be a positive number") }
            if maximumIterations < 1 { throw fail("maximumIterations", "must be at least 1") }
            if !(0...1).contains(confidenceThreshold) { throw fail("confidenceThreshold", "must be within 0...1") }
            switch temperature {
            case .fixed(let value) where !(value > 0 && value.isFinite):
                throw fail("temperature", "must be a positive number")
            case .crossValidated(let folds, let fallback) where folds < 2 || !(fallback > 0 && fallback.isFinite):
                throw fail("temperature", "needs at least 2 folds and a positive fallback")
            default: break
            }
        }
    }
}
